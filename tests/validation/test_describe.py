"""Report lines remembered per certificate (signing.validation.describe) equal freshly summarised ones."""

from __future__ import annotations

import datetime as dt

from asn1crypto import x509

from signing.testing import TestPKI
from signing.trust import TrustEntry
from signing.trust.certificates import summarise
from signing.validation import describe
from signing.validation.chain import ChainOutcome


def test_chain_report_lines_equal_fresh_summaries_and_are_each_report_s_own():
    pki = TestPKI()
    path = [x509.Certificate.load(c.dump()) for c in (pki.signer_rsa.asn1_certificate, *pki.signer_rsa.asn1_chain)]
    anchor = TrustEntry(cert=path[-1], role="root", hierarchy="local", source="added", file="")
    outcome = ChainOutcome(moment=dt.datetime.now(dt.UTC), trusted=True, path=path, anchor=anchor)
    first, second = describe.chain_report(outcome), describe.chain_report(outcome)
    for report in (first, second):
        expected = [summarise(x509.Certificate.load(c.dump())) for c in path]
        assert [(line.subject, line.sha256, line.not_before, line.not_after) for line in report.certificates] == \
            [(s.subject, s.sha256, s.not_before, s.not_after) for s in expected]
    assert all(a is not b for a, b in zip(first.certificates, second.certificates, strict=True))
    other = TestPKI()  # other keys, same names: other lines
    other_path = [other.signer_rsa.asn1_certificate, *other.signer_rsa.asn1_chain]
    other_report = describe.chain_report(ChainOutcome(moment=outcome.moment, trusted=True, path=other_path,
                                                      anchor=anchor))
    assert [line.sha256 for line in other_report.certificates] == [summarise(c).sha256 for c in other_path]
    assert [line.sha256 for line in other_report.certificates] != [line.sha256 for line in first.certificates]
