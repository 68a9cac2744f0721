"""Turning certificates and chains into report lines."""

from __future__ import annotations

from datetime import datetime

from asn1crypto import x509

from signing.trust.certificates import summarise
from signing.validation.chain import ChainOutcome
from signing.validation.memo import Memo
from signing.validation.report import CertificateLine, ChainReport


def signer_name(cert: x509.Certificate) -> str:
    """The signer as written in the certificate: its common name, else the whole subject."""
    native = cert.subject.native
    return native.get("common_name") or cert.subject.human_friendly


def key_label(cert: x509.Certificate) -> str:
    algo = cert.public_key.algorithm
    kind = "ec" if algo == "ec" else algo
    return f"{kind}-{cert.public_key.bit_size}"


def chain_report(outcome: ChainOutcome) -> ChainReport | None:
    if not outcome.path or outcome.anchor is None:
        return None
    lines = [CertificateLine(*_line(cert)) for cert in outcome.path]
    anchor = outcome.anchor
    return ChainReport(
        certificates=lines, anchor_subject=anchor.summary.subject, anchor_sha256=anchor.fingerprint,
        hierarchy=anchor.hierarchy, hierarchy_vi=anchor.hierarchy_label("vi"),
        hierarchy_en=anchor.hierarchy_label("en"), validated_at=outcome.moment,
    )


_LINES: Memo[bytes, tuple[str, str, datetime, datetime]] = Memo(1024)


def _line(cert: x509.Certificate) -> tuple[str, str, datetime, datetime]:
    """A certificate's report line, remembered per certificate (SHA-256 of its DER).

    Every report of a signer's documents lists the same chain; summarising each certificate again
    (names made readable, two fingerprints) cost ~2 % of validating a letter. A pure function of the
    DER; each report still gets its own ``CertificateLine``.
    """
    key = cert.sha256
    known = _LINES.get(key)
    if known is not None:
        return known
    summary = summarise(cert)
    line = (summary.subject, summary.sha256, summary.not_before, summary.not_after)
    _LINES.put(key, line)
    return line
