"""Refusals: bad certificates, unreachable TSA (no silent downgrade), bad input. Input never modified."""

from __future__ import annotations

import pytest
from pdfs import make_pdf

from signing.errors import (
    CertificateRejectedError,
    InvalidDocumentError,
    RevocationCheckError,
    SignatureFieldError,
    TimestampUnavailableError,
)
from signing.keys.memory import InMemoryKeySource
from signing.pades import sign_pdf
from signing.services import SigningServices
from signing.settings import SignatureLevel, SignatureRequest
from signing.testing import PKIServer, TestPKI, free_port_url


@pytest.fixture(scope="module")
def services(pki_server: PKIServer) -> SigningServices:
    return SigningServices(trust_roots=tuple(pki_server.pki.trust_roots_asn1()), tsa_url=pki_server.tsa_url)


@pytest.mark.parametrize(("identity", "code", "words"), [
    ("revoked", "certificate_revoked", "bị thu hồi"),
    ("expired", "certificate_expired", "hết hạn"),
    ("not_yet_valid", "certificate_not_yet_valid", "chưa có hiệu lực"),
])
def test_bad_certificates_are_refused_in_vietnamese(pki_server: PKIServer, services: SigningServices,
                                                    identity: str, code: str, words: str) -> None:
    original = make_pdf()
    snapshot = bytes(original)
    key = InMemoryKeySource.from_identity(pki_server.pki.identities[identity])
    with pytest.raises(CertificateRejectedError) as info:
        sign_pdf(original, key, SignatureRequest(), services)
    assert info.value.code == code and words in info.value.message_vi
    assert info.value.details["subject"]
    assert original == snapshot


def test_untrusted_certificate_is_refused(pki_server: PKIServer) -> None:
    stranger = TestPKI(base_url=pki_server.base_url, key_namespace="stranger-")
    other_roots = SigningServices(trust_roots=tuple(stranger.trust_roots_asn1()))
    with pytest.raises(CertificateRejectedError) as info:
        sign_pdf(make_pdf(), InMemoryKeySource.from_identity(pki_server.pki.signer_rsa), SignatureRequest(), other_roots)
    assert info.value.code in ("certificate_untrusted", "certificate_invalid")


def test_unreachable_ocsp_and_crl_refuses_to_sign(own_pki_server: PKIServer) -> None:
    pki = own_pki_server.pki
    own_pki_server.stop()  # nothing answers OCSP or CRL requests any more
    services = SigningServices(trust_roots=tuple(pki.trust_roots_asn1()), network_timeout=1)
    with pytest.raises(RevocationCheckError) as info:
        sign_pdf(make_pdf(), InMemoryKeySource.from_identity(pki.signer_rsa), SignatureRequest(), services)
    assert "thu hồi" in info.value.message_vi


def test_unreachable_tsa_fails_unless_a_fallback_is_allowed(pki_server: PKIServer) -> None:
    down = SigningServices(trust_roots=tuple(pki_server.pki.trust_roots_asn1()), tsa_url=free_port_url() + "/tsa",
                           network_timeout=1)
    key = InMemoryKeySource.from_identity(pki_server.pki.signer_rsa)
    original = make_pdf()
    with pytest.raises(TimestampUnavailableError) as info:
        sign_pdf(original, key, SignatureRequest(level=SignatureLevel.B_T), down)
    assert "dấu thời gian" in info.value.message_vi
    result = sign_pdf(original, key, SignatureRequest(level=SignatureLevel.B_T,
                                                      allow_fallback_level=SignatureLevel.B_B), down)
    assert result.info.level == SignatureLevel.B_B and result.info.downgraded
    assert result.info.fallback_reason and any("B-B" in w for w in result.warnings)


def test_tsa_answering_503_is_an_outage(own_pki_server: PKIServer) -> None:
    own_pki_server.tsa_status = 503
    services = SigningServices(trust_roots=tuple(own_pki_server.pki.trust_roots_asn1()), tsa_url=own_pki_server.tsa_url)
    with pytest.raises(TimestampUnavailableError):
        sign_pdf(make_pdf(), InMemoryKeySource.from_identity(own_pki_server.pki.signer_rsa),
                 SignatureRequest(level=SignatureLevel.B_LTA), services)


def _encrypted_pdf() -> bytes:
    from io import BytesIO

    from pyhanko.pdf_utils.crypt import StandardSecurityHandler
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    writer = copy_into_new_writer(PdfFileReader(BytesIO(make_pdf())))
    writer.encrypt = None
    writer._assign_security_handler(StandardSecurityHandler.build_from_pw("mat-khau"))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("make", "code"), [
    (lambda: b"PK\x03\x04 this is a zip file", "not_pdf"),
    (lambda: b"%PDF-1.7\n1 0 obj <<>> garbage without xref", "broken_pdf"),
    (lambda: make_pdf()[:400], "broken_pdf"),
    (_encrypted_pdf, "encrypted_pdf"),
])
def test_bad_input_is_refused_clearly(pki_server: PKIServer, services: SigningServices, make, code: str) -> None:
    data = make()
    snapshot = bytes(data)
    with pytest.raises(InvalidDocumentError) as info:
        sign_pdf(data, InMemoryKeySource.from_identity(pki_server.pki.signer_rsa), SignatureRequest(), services)
    assert info.value.code == code and info.value.message_vi
    assert data == snapshot


def test_size_limit(pki_server: PKIServer) -> None:
    small_limit = SigningServices(trust_roots=tuple(pki_server.pki.trust_roots_asn1()), max_document_bytes=1000)
    with pytest.raises(InvalidDocumentError) as info:
        sign_pdf(make_pdf(), InMemoryKeySource.from_identity(pki_server.pki.signer_rsa), SignatureRequest(), small_limit)
    assert info.value.code == "document_too_large" and "quá lớn" in info.value.message_vi


def test_page_out_of_range(pki_server: PKIServer, services: SigningServices) -> None:
    with pytest.raises(SignatureFieldError) as info:
        sign_pdf(make_pdf(), InMemoryKeySource.from_identity(pki_server.pki.signer_rsa), SignatureRequest(page=3),
                 services)
    assert info.value.code == "no_such_page"
