"""Chain checks shared between validation runs (signing.validation.paths) never change a report.

Every report here is compared with the one computed with the shared checks switched off (each run
validating its chains afresh, as before they were shared): at moments on both sides of every
validity boundary, with other trust stores, other certificates offered, revoked signers, other
policies, online and offline. The shared checks are warmed first at other moments, so a wrong
reuse would show.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import types

import pytest
from asn1crypto import x509

from signing.trust import TrustEntry, TrustStore, default_trust_store
from signing.validation import paths, validate_pdf

from .conftest import make_pdf, sign_pdf

SECOND = dt.timedelta(seconds=1)
MICRO = dt.timedelta(microseconds=1)


def _report(data: bytes, **kwargs) -> dict:
    return validate_pdf(data, **kwargs).to_dict()


@pytest.fixture
def afresh(monkeypatch):
    """The report computed with no check shared between runs."""
    def run(data: bytes, **kwargs) -> dict:
        with monkeypatch.context() as patch:
            patch.setattr(paths, "REMEMBER_CHECKS", False)
            return _report(data, **kwargs)
    return run


@pytest.fixture
def checks_done(monkeypatch):
    """How many chain checks were really computed (not taken from a remembered result)."""
    done = []
    original = paths.PathCache._check

    async def counting(self, *args, **kwargs):
        done.append(args[0])
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(paths.PathCache, "_check", counting)
    return done


def _validity(cert: x509.Certificate) -> tuple[dt.datetime, dt.datetime]:
    validity = cert["tbs_certificate"]["validity"]
    return validity["not_before"].native, validity["not_after"].native


def _boundaries(*certs: x509.Certificate) -> list[dt.datetime]:
    """Moments around each notBefore/notAfter, on both sides of certvalidator's one-second tolerance."""
    moments = []
    for cert in certs:
        start, end = _validity(cert)
        moments += [start - SECOND - MICRO, start - SECOND, start, end, end + SECOND, end + SECOND + MICRO,
                    end + dt.timedelta(days=3)]
    return moments


def _assert_same_everywhere(data: bytes, moments: list[dt.datetime], afresh, **kwargs) -> list[dict]:
    for moment in moments:  # warm the shared checks at every moment first
        _report(data, at=moment, **kwargs)
    reports = []
    for moment in reversed(moments):
        expected = afresh(data, at=moment, **kwargs)
        assert _report(data, at=moment, **kwargs) == expected, moment
        reports.append(expected)
    return reports


@pytest.mark.parametrize("policy", ["strict", "lenient"])
def test_reports_at_every_validity_boundary_equal_fresh_checks(pki_server, test_store, afresh, policy):
    pki = pki_server.pki
    signed = sign_pdf(make_pdf(), pki.signer_rsa, server=pki_server)
    moments = [dt.datetime.now(dt.UTC)] + _boundaries(pki.signer_rsa.asn1_certificate,
                                                       pki.intermediate.asn1_certificate)
    reports = _assert_same_everywhere(signed, moments, afresh, trust_store=test_store, policy=policy, offline=True)
    outcomes = {r["signatures"][0]["sub_indication"] for r in reports}
    assert {"OUT_OF_BOUNDS_NO_POE", "NOT_YET_VALID"} <= outcomes  # the boundaries were crossed


def test_timestamped_signature_past_validation_equals_fresh_checks(pki_server, test_store, afresh):
    """Checks at the proven time and of the TSA at several moments, through a timestamp."""
    pki = pki_server.pki
    signed = sign_pdf(make_pdf(), pki.signer_rsa, server=pki_server, timestamp=True)
    tsa = pki.tsa.asn1_certificate
    moments = [dt.datetime.now(dt.UTC)] + _boundaries(pki.signer_rsa.asn1_certificate, tsa)
    for policy in ("strict", "lenient"):
        _assert_same_everywhere(signed, moments, afresh, trust_store=test_store, policy=policy, offline=True)


def test_expired_and_not_yet_valid_signers_equal_fresh_checks(pki_server, test_store, afresh):
    pki = pki_server.pki
    now = dt.datetime.now(dt.UTC)
    for identity in (pki.expired, pki.not_yet_valid):
        signed = sign_pdf(make_pdf(), identity, server=pki_server)
        start, end = _validity(identity.asn1_certificate)
        moments = [now, start + dt.timedelta(days=1), end - dt.timedelta(days=1), end + dt.timedelta(days=1)]
        _assert_same_everywhere(signed, moments, afresh, trust_store=test_store, policy="lenient", offline=True)


def test_revoked_signer_equals_fresh_checks_offline_and_online(pki_server, test_store, afresh, checks_done):
    signed = sign_pdf(make_pdf(), pki_server.pki.revoked, server=pki_server)
    at = dt.datetime.now(dt.UTC)
    for offline in (True, False):
        for policy in ("strict", "lenient"):
            expected = afresh(signed, trust_store=test_store, at=at, policy=policy, offline=offline)
            assert _report(signed, trust_store=test_store, at=at, policy=policy, offline=offline) == expected
    online = _report(signed, trust_store=test_store, at=at, policy="strict", offline=False)
    assert online["signatures"][0]["sub_indication"] == "REVOKED"
    checks_done.clear()
    _report(signed, trust_store=test_store, at=at, policy="strict", offline=False)
    assert checks_done  # fetching: revocation answers depend on the network, nothing is reused


def test_embedded_revocation_data_is_never_shared(pki_server, test_store, afresh, checks_done):
    blt = sign_pdf(make_pdf(), pki_server.pki.signer_rsa, server=pki_server, timestamp=True, lt=True)
    at = dt.datetime.now(dt.UTC)
    expected = afresh(blt, trust_store=test_store, at=at, offline=True)
    assert _report(blt, trust_store=test_store, at=at, offline=True) == expected
    checks_done.clear()
    assert _report(blt, trust_store=test_store, at=at, offline=True) == expected
    assert checks_done  # the CRLs and OCSP responses are judged at each moment, every time


def test_other_trust_stores_equal_fresh_checks(pki_server, test_store, afresh):
    pki = pki_server.pki
    signed = sign_pdf(make_pdf(), pki.signer_rsa, server=pki_server)
    at = dt.datetime.now(dt.UTC)
    intermediate_anchor = TrustStore([TrustEntry(cert=pki.intermediate.asn1_certificate, role="root",
                                                 hierarchy="local", source="added", file="")])
    relabelled = TrustStore([TrustEntry(cert=pki.root.asn1_certificate, role="root", hierarchy="vgca",
                                        source="added", file="")])
    stores = [test_store, default_trust_store(), intermediate_anchor, relabelled, test_store]
    reports = []
    for store in stores:
        for policy in ("strict", "lenient"):
            expected = afresh(signed, trust_store=store, at=at, offline=True, policy=policy)
            assert _report(signed, trust_store=store, at=at, offline=True, policy=policy) == expected
        reports.append(expected)
    chains = [r["signatures"][0]["chain"] for r in reports]
    assert chains[1] is None and chains[0]["hierarchy"] == "local" and chains[3]["hierarchy"] == "vgca"
    assert len(chains[2]["certificates"]) == 2 and len(chains[0]["certificates"]) == 3


def test_other_certificates_offered_equal_fresh_checks(pki_server, test_store, afresh):
    """The same signer certificate, with and without its intermediate in the signature."""
    pki = pki_server.pki
    alone = types.SimpleNamespace(asn1_certificate=pki.signer_rsa.asn1_certificate,
                                  asn1_private_key=pki.signer_rsa.asn1_private_key, asn1_chain=[])
    with_chain = sign_pdf(make_pdf(), pki.signer_rsa, server=pki_server)
    without_chain = sign_pdf(make_pdf(), alone, server=pki_server)
    helper = TrustStore([*test_store.entries, TrustEntry(cert=pki.intermediate.asn1_certificate,
                                                         role="intermediate", hierarchy="local", source="added",
                                                         file="")])
    at = dt.datetime.now(dt.UTC)
    seen = {}
    for store in (test_store, helper):
        for name, data in (("with", with_chain), ("without", without_chain), ("with", with_chain)):
            for policy in ("strict", "lenient"):
                expected = afresh(data, trust_store=store, at=at, offline=True, policy=policy)
                assert _report(data, trust_store=store, at=at, offline=True, policy=policy) == expected
            seen[(store is helper, name)] = expected["signatures"][0]["sub_indication"]
    assert seen == {(False, "with"): None, (False, "without"): "NO_CERTIFICATE_CHAIN_FOUND",
                    (True, "with"): None, (True, "without"): None}


def test_a_repeated_validation_reuses_the_checks(pki_server, test_store, checks_done):
    signed = sign_pdf(make_pdf(), pki_server.pki.signer_rsa, server=pki_server)
    at = dt.datetime.now(dt.UTC)
    first = _report(signed, trust_store=test_store, at=at, policy="lenient", offline=True)
    checks_done.clear()
    later = at + dt.timedelta(hours=1)  # same side of every validity boundary
    again = _report(signed, trust_store=test_store, at=later, policy="lenient", offline=True)
    assert checks_done == []
    assert {**again, "validation_time": None} != {}  # a report, computed without a single new chain check
    first["signatures"][0]["chain"]["validated_at"] = again["signatures"][0]["chain"]["validated_at"]
    assert again["signatures"] == first["signatures"]


def test_shared_checks_are_bounded_and_not_changed_by_callers(pki_server, test_store, monkeypatch):
    monkeypatch.setattr(paths.store_index(test_store).checks, "size", 3)
    paths.store_index(test_store).checks.clear()
    signed = sign_pdf(make_pdf(), pki_server.pki.signer_rsa, server=pki_server)
    start, end = _validity(pki_server.pki.signer_rsa.asn1_certificate)
    for moment in (start - dt.timedelta(days=1), start + dt.timedelta(days=1), end + dt.timedelta(days=1)):
        _report(signed, trust_store=test_store, at=moment, policy="lenient", offline=True)
    assert 0 < len(paths.store_index(test_store).checks) <= 3

    signer = pki_server.pki.signer_rsa
    at = dt.datetime.now(dt.UTC)

    def check() -> paths.PathCheck:
        cache = paths.PathCache(test_store, fetch=False, fetch_timeout=1)  # a new run each time
        return asyncio.run(cache.validate(signer.asn1_certificate, pool=list(signer.asn1_chain), moment=at, crls=[],
                                          ocsps=[], hard_fail=True, fetch=False, extended_key_usage=None))

    first = check()
    expected = list(first.soft_failures)
    first.soft_failures.append("a caller's own note")  # what a careless caller could do to its result
    assert check().soft_failures == expected


def test_moment_class_uses_certvalidators_comparisons():
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    windows = ((start, end, paths.TIME_TOLERANCE), (None, None, dt.timedelta(0)), (start, end, dt.timedelta(0)))
    assert paths._moment_class(start - SECOND, windows) == (False, False, False, False, True, False)
    assert paths._moment_class(start - SECOND - MICRO, windows) == (True, False, False, False, True, False)
    assert paths._moment_class(end + SECOND, windows) == (False, False, False, False, False, True)
    assert paths._moment_class(end + SECOND + MICRO, windows) == (False, True, False, False, False, True)
