"""Extending a signed PDF to B-LTA keeps the signature intact and gives later validations a proof of existence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pyhanko.sign.timestamps import HTTPTimeStamper

from signing.validation import Indication, ValidationInputError, validate_pdf
from signing.validation.extend import extend_to_lta

from .conftest import make_pdf, sign_pdf


def test_bt_signature_extended_to_lta_and_still_valid_after_its_certificate_expires(pki_server, test_store):
    bt = sign_pdf(make_pdf(), pki_server.pki.signer_rsa, server=pki_server, timestamp=True)
    extended = extend_to_lta(bt, timestamper=HTTPTimeStamper(pki_server.tsa_url), trust_store=test_store)
    assert extended.startswith(bt)  # incremental: the signed bytes are untouched
    report = validate_pdf(extended, trust_store=test_store, offline=True)
    sig = report.signatures[0]
    assert sig.indication is Indication.PASSED and sig.pades_level == "B-LTA"
    assert sig.modifications.level == "LTA_UPDATES"
    assert report.document_timestamps and report.document_timestamps[0].trusted
    later = pki_server.pki.signer_rsa.certificate.not_valid_after_utc + timedelta(days=1)
    tsa_end = pki_server.pki.tsa.certificate.not_valid_after_utc
    if later < tsa_end:
        future = validate_pdf(extended, trust_store=test_store, offline=True, at=later,
                              policy="lenient").signatures[0]
        assert future.indication is Indication.PASSED and future.rule == "PAST_VALIDATION_POE"
        assert future.proof_of_existence == sig.timestamp.time
    unextended_future = validate_pdf(bt, trust_store=test_store, offline=True, at=later, policy="strict")
    assert unextended_future.signatures[0].indication is not Indication.PASSED


def test_extend_without_signature_or_tsa_is_refused(pki_server):
    with pytest.raises(ValidationInputError) as err:
        extend_to_lta(make_pdf(), timestamper=HTTPTimeStamper(pki_server.tsa_url))
    assert err.value.code == "no_signature"
    with pytest.raises(ValidationInputError):
        extend_to_lta(make_pdf())
