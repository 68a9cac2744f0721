"""The three real PDFs signed under Vietnam's hierarchies, checked against PROVENANCE.md and pdfsig.

Offline: the revocation sources named in these certificates are unreachable here, which must give
INDETERMINATE/notes quickly, never a hang and never PASSED by accident.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from signing.trust import TrustStore, default_trust_store
from signing.validation import Indication, validate_pdf

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "signed-pdf-vn"
G1_ROOT = "f7bc89054cec7f12730d7b8cd3eb7955b163835087e5eb873edfb584763b3f90"
VNRCA = "bac8bf609ab420a8ee1780d74f4de5c7f7184959d2a7375b0a75e4c29f0908e7"
PORTAL = "Cổng Thông tin điện tử Chính phủ"

CASES = {
    "decree-08-1-2018.signed.pdf": dict(
        signer=PORTAL, anchor=G1_ROOT, hierarchy="vgca", digest="sha1", subfilter="/adbe.pkcs7.detached",
        signed=datetime(2018, 1, 15, 9, 21, 47, tzinfo=UTC),
        ts_time=datetime(2018, 1, 15, 9, 21, 59, tzinfo=UTC), ts_authority="Máy chủ cấp dấu thời gian",
        ts_trusted=False,
        verdicts={"strict": ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE"),
                  "lenient": ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")}),
    "decree-119-2018-ND-CP.signed.pdf": dict(
        signer=PORTAL, anchor=G1_ROOT, hierarchy="vgca", digest="sha1", subfilter="/adbe.pkcs7.detached",
        signed=datetime(2018, 9, 13, 9, 7, 49, tzinfo=UTC),
        ts_time=datetime(2018, 9, 13, 9, 7, 31, tzinfo=UTC), ts_authority="Máy chủ cấp dấu thời gian 01",
        ts_trusted=True,
        verdicts={"strict": ("INDETERMINATE", "NO_REVOCATION_DATA"), "lenient": ("PASSED", None)}),
    "contract-appendix-2021.signed.pdf": dict(
        signer="CÔNG TY TNHH DỊCH VỤ CÔNG NGHỆ TRỰC TUYẾN", anchor=VNRCA, hierarchy="neac", digest="sha256",
        subfilter="/ETSI.CAdES.detached", signed=datetime(2021, 12, 31, 6, 17, 54, tzinfo=UTC),
        ts_time=None, ts_authority=None, ts_trusted=None,
        verdicts={"strict": ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE"),
                  "lenient": ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")}),
}


def pdfsig_says_valid(path: Path) -> bool:
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout
    return "Signature is Valid" in out and "Total document signed" in out


@pytest.mark.parametrize("policy", ["strict", "lenient"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_real_pdf_matches_provenance(name, policy):
    case = CASES[name]
    started = datetime.now(UTC)
    report = validate_pdf((FIXTURES / name).read_bytes(), policy=policy, offline=True)
    assert (datetime.now(UTC) - started).total_seconds() < 10
    assert len(report.signatures) == 1
    sig = report.signatures[0]
    assert sig.signer == case["signer"]
    assert sig.claimed_signing_time == case["signed"]
    assert sig.digest_algorithm == case["digest"] and sig.subfilter == case["subfilter"]
    assert sig.intact and sig.crypto_valid and sig.modifications.allowed
    assert sig.chain is not None, "the chain to the shipped root must be built (known intermediates fill it in)"
    assert sig.chain.anchor_sha256 == case["anchor"] and sig.chain.hierarchy == case["hierarchy"]
    assert len(sig.chain.certificates) == 3
    if case["ts_time"] is None:
        assert sig.timestamp is None
    else:
        assert sig.timestamp.time == case["ts_time"] and sig.timestamp.authority == case["ts_authority"]
        assert sig.timestamp.intact
        if policy == "lenient":
            assert sig.timestamp.trusted is case["ts_trusted"]
    indication, sub = case["verdicts"][policy]
    assert (sig.indication.value, sig.sub_indication) == (indication, sub)
    assert sig.rule and sig.rule_vi and sig.rule_en


def test_decree_119_lenient_names_the_past_validation_rule_and_sha1_proof():
    sig = validate_pdf((FIXTURES / "decree-119-2018-ND-CP.signed.pdf").read_bytes(), policy="lenient",
                       offline=True).signatures[0]
    assert sig.rule == "PAST_VALIDATION_POE"
    assert sig.proof_of_existence == datetime(2018, 9, 13, 9, 7, 31, tzinfo=UTC)
    codes = {n.code for n in sig.notes}
    assert {"LEGACY_ALGORITHM", "PAST_REVOCATION_NOT_REQUIRED"} <= codes


def test_decree_119_validated_after_sha1_cutoff_without_timestamp_trust_is_not_passed():
    """SHA-1 is acceptable only with proof of existence before the cut-off: without a trusted TSA, no."""
    data = (FIXTURES / "decree-119-2018-ND-CP.signed.pdf").read_bytes()
    store = default_trust_store()
    without_tsa_root = TrustStore([e for e in store.entries if e.fingerprint != G1_ROOT])
    sig = validate_pdf(data, trust_store=without_tsa_root, policy="lenient", offline=True).signatures[0]
    assert sig.indication is Indication.INDETERMINATE and sig.sub_indication == "NO_CERTIFICATE_CHAIN_FOUND"


def test_contract_appendix_at_its_signing_time():
    data = (FIXTURES / "contract-appendix-2021.signed.pdf").read_bytes()
    at = datetime(2021, 12, 31, 12, 0, tzinfo=UTC)
    lenient = validate_pdf(data, at=at, policy="lenient", offline=True).signatures[0]
    assert lenient.indication is Indication.PASSED and lenient.rule == "VALID_AT_VALIDATION_TIME"
    assert lenient.revocation.status == "unavailable"  # OCSP named, unreachable offline: noted
    strict = validate_pdf(data, at=at, policy="strict", offline=True).signatures[0]
    assert (strict.indication, strict.sub_indication) == (Indication.INDETERMINATE, "NO_REVOCATION_DATA")


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("name", sorted(CASES))
def test_integrity_agrees_with_pdfsig(name):
    sig = validate_pdf((FIXTURES / name).read_bytes(), offline=True).signatures[0]
    assert pdfsig_says_valid(FIXTURES / name) is True
    assert sig.intact and sig.crypto_valid and sig.modifications.coverage == "ENTIRE_FILE"
