"""Signatures made under the loopback test PKI: levels, revocation, expiry, algorithms, look-alikes."""

from __future__ import annotations

import time

from signing.testing import TestPKI, free_port_url
from signing.trust import TrustEntry, TrustStore, default_trust_store
from signing.validation import Indication, validate_pdf

from . import pki as own_pki
from .conftest import make_pdf, sign_pdf, store_for


def only(report):
    assert len(report.signatures) == 1
    return report.signatures[0]


def test_bb_signature_with_reachable_ocsp_passes(pki_server, test_store, signed_bb):
    sig = only(validate_pdf(signed_bb, trust_store=test_store))
    assert (sig.indication, sig.rule, sig.pades_level) == (Indication.PASSED, "VALID_AT_VALIDATION_TIME", "B-B")
    assert sig.revocation.status == "good" and sig.signer == pki_server.pki.signer_rsa.certificate.subject.rfc4514_string().split("CN=")[1].split(",")[0]
    assert sig.chain.hierarchy == "local" and len(sig.chain.certificates) == 3


def test_bt_and_blt_levels(pki_server, test_store):
    bt = sign_pdf(make_pdf(), pki_server.pki.signer_ec, server=pki_server, timestamp=True)
    sig = only(validate_pdf(bt, trust_store=test_store))
    assert sig.pades_level == "B-T" and sig.timestamp.trusted and sig.indication is Indication.PASSED
    blt = sign_pdf(make_pdf(), pki_server.pki.signer_rsa, server=pki_server, timestamp=True, lt=True)
    sig = only(validate_pdf(blt, trust_store=test_store, offline=True))  # embedded revocation data suffices
    assert sig.pades_level == "B-LT" and sig.indication is Indication.PASSED, sig.notes


def test_revoked_signer_fails(pki_server, test_store):
    signed = sign_pdf(make_pdf(), pki_server.pki.revoked, server=pki_server)
    sig = only(validate_pdf(signed, trust_store=test_store))
    assert (sig.indication, sig.sub_indication) == (Indication.FAILED, "REVOKED")
    assert sig.revocation.revoked_at is not None


def test_expired_signer_without_timestamp_is_indeterminate(pki_server, test_store):
    signed = sign_pdf(make_pdf(), pki_server.pki.expired, server=pki_server)
    sig = only(validate_pdf(signed, trust_store=test_store))
    assert (sig.indication, sig.sub_indication) == (Indication.INDETERMINATE, "OUT_OF_BOUNDS_NO_POE")


def test_unreachable_revocation_source_is_indeterminate_fast_in_strict_and_noted_in_lenient(pki_server):
    dead = TestPKI(base_url=free_port_url())
    signed = sign_pdf(make_pdf(), dead.signer_rsa, server=pki_server)
    store = store_for(type("S", (), {"pki": dead})())
    started = time.monotonic()
    strict = only(validate_pdf(signed, trust_store=store, policy="strict"))
    assert time.monotonic() - started < 10
    assert (strict.indication, strict.sub_indication) == (Indication.INDETERMINATE, "NO_REVOCATION_DATA")
    lenient = only(validate_pdf(signed, trust_store=store, policy="lenient"))
    assert lenient.indication is Indication.PASSED and lenient.revocation.status == "unavailable"
    assert any(n.code == "REVOCATION_UNREACHABLE" for n in lenient.notes)


def test_sha1_signature_made_now_is_refused(pki_server, test_store):
    no_ts = only(validate_pdf(sign_pdf(make_pdf(), pki_server.pki.signer_rsa, server=pki_server, md="sha1"),
                              trust_store=test_store))
    assert (no_ts.indication, no_ts.sub_indication) == (Indication.INDETERMINATE, "CRYPTO_CONSTRAINTS_FAILURE_NO_POE")
    with_ts = only(validate_pdf(sign_pdf(make_pdf(), pki_server.pki.signer_rsa, server=pki_server, md="sha1",
                                         timestamp=True), trust_store=test_store))
    assert (with_ts.indication, with_ts.sub_indication) == (Indication.INDETERMINATE, "CRYPTO_CONSTRAINTS_FAILURE")
    assert with_ts.rule == "ALGORITHM_CUTOFF"


def test_lookalike_national_root_chain_is_not_trusted():
    fake_root = own_pki.issue(own_pki.VN_NATIONAL_ROOT_NAME)
    fake_ca = own_pki.issue(own_pki.name("MISA-CA", "MISA JOINT STOCK COMPANY"), fake_root)
    signer = own_pki.issue(own_pki.name("Nguyen Van Gia Mao"), fake_ca, ca=False)
    identity = type("Id", (), {"asn1_certificate": signer.asn1, "asn1_private_key": signer.asn1_key,
                               "asn1_chain": [fake_ca.asn1, fake_root.asn1]})()
    signed = sign_pdf(make_pdf(), identity)
    sig = only(validate_pdf(signed, trust_store=default_trust_store(), offline=True))
    assert sig.intact and sig.crypto_valid
    assert (sig.indication, sig.sub_indication) == (Indication.INDETERMINATE, "NO_CERTIFICATE_CHAIN_FOUND")
    assert sig.chain is None


def test_certificate_naming_no_revocation_source_is_accepted_with_a_note():
    root = own_pki.issue(own_pki.name("Root khong thu hoi"))
    leaf = own_pki.issue(own_pki.name("Nguoi ky"), root, ca=False)
    identity = type("Id", (), {"asn1_certificate": leaf.asn1, "asn1_private_key": leaf.asn1_key,
                               "asn1_chain": [root.asn1]})()
    store = TrustStore([TrustEntry(cert=root.asn1, role="root", hierarchy="local", source="added", file="")])
    sig = only(validate_pdf(sign_pdf(make_pdf(), identity), trust_store=store, policy="strict"))
    assert sig.indication is Indication.PASSED and sig.revocation.status == "none_declared"
    assert any(n.code == "NO_REVOCATION_SOURCE" for n in sig.notes)
