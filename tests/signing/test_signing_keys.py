"""Key sources: PKCS#12 files, a real PKCS#11 token (SoftHSM2), a remote signing service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from checks import assert_openssl_verifies_every_signature
from pdfs import make_pdf

from signing.errors import KeyAccessError
from signing.keys.base import sign_with_key
from signing.keys.pkcs11 import Pkcs11KeySource
from signing.keys.pkcs12 import Pkcs12KeySource
from signing.keys.remote import RemoteKeySource, RemoteSigningService
from signing.pades import sign_pdf
from signing.services import SigningServices
from signing.settings import SignatureLevel, SignatureRequest
from signing.testing import Identity, PKIServer
from signing.testing.softhsm import SoftHsmToken, create_softhsm_token, softhsm_available


@pytest.fixture(scope="module")
def services(pki_server: PKIServer) -> SigningServices:
    return SigningServices(trust_roots=tuple(pki_server.pki.trust_roots_asn1()), tsa_url=pki_server.tsa_url)


@pytest.fixture(scope="module")
def token(pki_server: PKIServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    if not softhsm_available():
        pytest.skip("SoftHSM2 is not installed")
    yield create_softhsm_token({"signer_rsa": pki_server.pki.signer_rsa, "signer_ec": pki_server.pki.signer_ec},
                               directory=tmp_path_factory.mktemp("softhsm"))


def test_pkcs12_file_signs_and_wrong_password_is_explained(pki_server: PKIServer, services: SigningServices,
                                                           tmp_path: Path) -> None:
    p12 = tmp_path / "an.p12"
    p12.write_bytes(pki_server.pki.signer_rsa.to_pkcs12(b"mat-khau-dung"))
    with Pkcs12KeySource.from_file(p12, "mat-khau-dung") as key:
        result = sign_pdf(make_pdf(), key, SignatureRequest(), services)
    assert assert_openssl_verifies_every_signature(result.pdf_bytes, tmp_path, pki_server.pki.root_pem()) == 1
    with pytest.raises(KeyAccessError) as info:
        Pkcs12KeySource.from_file(p12, "sai")
    assert info.value.code == "wrong_password" and "Mật khẩu" in info.value.message_vi
    with pytest.raises(KeyAccessError) as missing:
        Pkcs12KeySource.from_file(tmp_path / "none.p12", "x")
    assert missing.value.code == "key_file_missing"


@pytest.mark.parametrize("key_label", ["signer_rsa", "signer_ec"])
def test_pkcs11_token_signs_at_b_t(token: SoftHsmToken, key_label: str, pki_server: PKIServer,
                                   services: SigningServices, tmp_path: Path) -> None:
    with Pkcs11KeySource(token.module, token.label, token.pin, key_label=key_label) as key:
        assert len(key.chain) == 2, "only the signer's own issuers are embedded"
        result = sign_pdf(make_pdf(), key, SignatureRequest(level=SignatureLevel.B_T), services)
    assert assert_openssl_verifies_every_signature(result.pdf_bytes, tmp_path, pki_server.pki.root_pem()) == 1


def test_pkcs11_wrong_pin_missing_token_and_removed_token(token: SoftHsmToken, services: SigningServices) -> None:
    with pytest.raises(KeyAccessError) as wrong:
        Pkcs11KeySource(token.module, token.label, "000000", key_label="signer_rsa")
    assert wrong.value.code == "wrong_pin" and "PIN" in wrong.value.message_vi
    with pytest.raises(KeyAccessError) as missing:
        Pkcs11KeySource(token.module, "khong-co", token.pin, key_label="signer_rsa")
    assert missing.value.code == "token_unavailable"
    key = Pkcs11KeySource(token.module, token.label, token.pin, key_label="signer_rsa")
    key.session.close()  # what the application sees when the token is pulled out
    original = make_pdf()
    with pytest.raises(KeyAccessError) as removed:
        sign_pdf(original, key, SignatureRequest(), services)
    assert removed.value.code == "token_unavailable"


class _InProcessSigningService(RemoteSigningService):
    """A signing service answering from a real key (what a cloud HSM does on the other side)."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.calls = 0

    def certificate(self) -> asn1_x509.Certificate:
        return self.identity.asn1_certificate

    def chain(self) -> list[asn1_x509.Certificate]:
        return self.identity.asn1_chain

    def sign(self, data: bytes, digest_algorithm: str, mechanism: str, pss_salt_length: int | None) -> bytes:
        self.calls += 1
        spec = {"algorithm": _Native("sha256_rsa" if mechanism == "rsassa_pkcs1v15" else mechanism)}
        return sign_with_key(self.identity.private_key, spec, data, digest_algorithm)


class _Native:
    def __init__(self, value: str) -> None:
        self.native = value


def test_remote_signing_service_plugs_in(pki_server: PKIServer, services: SigningServices, tmp_path: Path) -> None:
    service = _InProcessSigningService(pki_server.pki.principal)
    result = sign_pdf(make_pdf(), RemoteKeySource(service), SignatureRequest(), services)
    assert service.calls == 1
    assert assert_openssl_verifies_every_signature(result.pdf_bytes, tmp_path, pki_server.pki.root_pem()) == 1
