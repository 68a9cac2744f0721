"""The test PKI speaks the real protocols: checked with openssl and pyHanko's own HTTP clients."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import subprocess
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import RevokedError

from signing.testing import PKIServer, TestPKI


def _write_pems(tmp_path: Path, pki: TestPKI, *names: str) -> dict[str, Path]:
    paths = {}
    for name in names:
        path = tmp_path / f"{name}.pem"
        path.write_bytes(pki.identities[name].certificate_pem())
        paths[name] = path
    return paths


def test_validity_windows_follow_the_chosen_now() -> None:
    now = dt.datetime(2031, 3, 1, tzinfo=dt.UTC)
    pki = TestPKI(now=now)
    assert pki.signer_rsa.certificate.not_valid_before_utc < now < pki.signer_rsa.certificate.not_valid_after_utc
    assert pki.expired.certificate.not_valid_after_utc < now
    assert pki.not_yet_valid.certificate.not_valid_before_utc > now
    tsa_eku = pki.tsa.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert tsa_eku.critical and list(tsa_eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_openssl_ocsp_reports_good_and_revoked(tmp_path: Path, pki_server: PKIServer) -> None:
    pems = _write_pems(tmp_path, pki_server.pki, "root", "intermediate", "signer_rsa", "revoked")
    outputs = {}
    for name in ("signer_rsa", "revoked"):
        result = subprocess.run(
            ["openssl", "ocsp", "-issuer", pems["intermediate"], "-cert", pems[name], "-url", pki_server.ocsp_url,
             "-CAfile", pems["root"], "-verify_other", pems["intermediate"]],
            capture_output=True, text=True, check=True,
        )
        assert "Response verify OK" in result.stderr + result.stdout
        outputs[name] = result.stdout
    assert f"{pems['signer_rsa']}: good" in outputs["signer_rsa"]
    assert f"{pems['revoked']}: revoked" in outputs["revoked"]


def test_openssl_verifies_a_timestamp_from_the_tsa(tmp_path: Path, pki_server: PKIServer) -> None:
    pems = _write_pems(tmp_path, pki_server.pki, "root", "intermediate")
    data = tmp_path / "data.bin"
    data.write_bytes(b"noi dung can dong dau thoi gian")
    query = tmp_path / "q.tsq"
    subprocess.run(["openssl", "ts", "-query", "-data", data, "-sha256", "-cert", "-out", query], check=True,
                   capture_output=True)
    reply = requests.post(pki_server.tsa_url, data=query.read_bytes(),
                          headers={"Content-Type": "application/timestamp-query"}, timeout=5)
    assert reply.headers["Content-Type"] == "application/timestamp-reply"
    (tmp_path / "r.tsr").write_bytes(reply.content)
    result = subprocess.run(
        ["openssl", "ts", "-verify", "-in", tmp_path / "r.tsr", "-data", data, "-CAfile", pems["root"],
         "-untrusted", pems["intermediate"]], capture_output=True, text=True,
    )
    assert "Verification: OK" in result.stdout, result.stderr


def test_crl_lists_the_revoked_certificate(pki_server: PKIServer) -> None:
    reply = requests.get(pki_server.crl_url("intermediate"), timeout=5)
    crl = x509.load_der_x509_crl(reply.content)
    assert crl.is_signature_valid(pki_server.pki.intermediate.certificate.public_key())  # type: ignore[arg-type]
    assert crl.get_revoked_certificate_by_serial_number(pki_server.pki.revoked.certificate.serial_number)
    assert crl.get_revoked_certificate_by_serial_number(pki_server.pki.signer_rsa.certificate.serial_number) is None


def test_pyhanko_http_timestamper_gets_a_token(pki_server: PKIServer) -> None:
    stamper = HTTPTimeStamper(pki_server.tsa_url)
    token = asyncio.run(stamper.async_timestamp(hashlib.sha256(b"x").digest(), "sha256"))
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    assert tst_info["message_imprint"]["hashed_message"].native == hashlib.sha256(b"x").digest()


@pytest.mark.parametrize("mode", ["hard-fail", "require"])
def test_pyhanko_fetches_ocsp_and_crl_and_sees_revocation(pki_server: PKIServer, mode: str) -> None:
    pki = pki_server.pki
    context = ValidationContext(trust_roots=pki.trust_roots_asn1(), allow_fetching=True, revocation_mode=mode,
                                other_certs=[pki.intermediate.asn1_certificate])
    async def check() -> None:
        good = CertificateValidator(pki.signer_rsa.asn1_certificate, validation_context=context)
        path = await good.async_validate_usage({"digital_signature"})
        assert path.leaf.subject == pki.signer_rsa.asn1_certificate.subject
        assert context.ocsps, "the OCSP answer fetched over HTTP is kept in the context"
        bad = CertificateValidator(pki.revoked.asn1_certificate, validation_context=context)
        with pytest.raises(RevokedError):
            await bad.async_validate_usage({"digital_signature"})

    asyncio.run(check())


def test_outage_knob_makes_tsa_answer_503(own_pki_server: PKIServer) -> None:
    own_pki_server.tsa_status = 503
    assert requests.post(own_pki_server.tsa_url, data=b"", timeout=5).status_code == 503
