"""Signing at every PAdES level, checked by independent tools (pdfsig, openssl, qpdf)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from checks import assert_openssl_verifies_every_signature, assert_pdfsig_all_valid, assert_qpdf_ok
from pdfs import make_pdf
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.keys.memory import InMemoryKeySource
from signing.pades import sign_pdf
from signing.services import SigningServices
from signing.settings import SignatureLevel, SignatureRequest
from signing.testing import PKIServer


@pytest.fixture(scope="module")
def services(pki_server: PKIServer) -> SigningServices:
    return SigningServices(trust_roots=tuple(pki_server.pki.trust_roots_asn1()), tsa_url=pki_server.tsa_url)


@pytest.fixture(scope="module")
def one_page_pdf() -> bytes:
    return make_pdf()


def _dss(pdf_bytes: bytes) -> dict:
    reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
    dss = reader.root.get("/DSS")
    dss = dss.get_object() if dss is not None else None
    return {key: len(dss[key]) for key in ("/Certs", "/OCSPs", "/CRLs") if dss is not None and key in dss}


@pytest.mark.parametrize("level", list(SignatureLevel), ids=lambda level: level.value)
def test_each_level_is_valid_for_independent_tools(level: SignatureLevel, pki_server: PKIServer,
                                                   services: SigningServices, one_page_pdf: bytes,
                                                   tmp_path: Path) -> None:
    key = InMemoryKeySource.from_identity(pki_server.pki.signer_rsa)
    result = sign_pdf(one_page_pdf, key, SignatureRequest(level=level, reason="Phê duyệt", location="Cần Thơ"), services)

    assert result.info.level == level and not result.info.downgraded
    assert result.pdf_bytes.startswith(one_page_pdf), "signing is an incremental update of the original"
    out = tmp_path / "signed.pdf"
    out.write_bytes(result.pdf_bytes)
    doc_timestamps = 1 if level == SignatureLevel.B_LTA else 0
    assert_pdfsig_all_valid(out, doc_timestamps=doc_timestamps)
    assert_qpdf_ok(out)
    assert assert_openssl_verifies_every_signature(result.pdf_bytes, tmp_path, pki_server.pki.root_pem()) == 1 + doc_timestamps

    reader = PdfFileReader(BytesIO(result.pdf_bytes), strict=False)
    signature = reader.embedded_signatures[0]
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    has_timestamp = signature.signer_info["unsigned_attrs"].native is not None
    assert has_timestamp == level.needs_timestamp
    dss = _dss(result.pdf_bytes)
    if level.needs_validation_data:
        assert dss.get("/Certs", 0) >= 3 and (dss.get("/OCSPs", 0) + dss.get("/CRLs", 0)) >= 2, dss
    else:
        assert dss == {}


def test_ecdsa_and_rsa_pss_signatures_verify(pki_server: PKIServer, services: SigningServices,
                                             one_page_pdf: bytes, tmp_path: Path) -> None:
    ec_key = InMemoryKeySource.from_identity(pki_server.pki.signer_ec)
    ec_result = sign_pdf(one_page_pdf, ec_key, SignatureRequest(), services)
    assert ec_result.info.signature_mechanism == "sha256_ecdsa"
    pss = sign_pdf(ec_result.pdf_bytes, InMemoryKeySource.from_identity(pki_server.pki.principal),
                   SignatureRequest(rsa_pss=True), services)
    assert pss.info.signature_mechanism == "rsassa_pss"
    out = tmp_path / "two.pdf"
    out.write_bytes(pss.pdf_bytes)
    assert_pdfsig_all_valid(out)
    assert assert_openssl_verifies_every_signature(pss.pdf_bytes, tmp_path, pki_server.pki.root_pem()) == 2


def test_extend_to_lta_adds_validation_data_and_a_document_timestamp(pki_server: PKIServer, services: SigningServices,
                                                                    one_page_pdf: bytes, tmp_path: Path) -> None:
    from signing.ltv import extend_to_lta

    first = sign_pdf(one_page_pdf, InMemoryKeySource.from_identity(pki_server.pki.signer_rsa),
                     SignatureRequest(level=SignatureLevel.B_T), services)
    second = sign_pdf(first.pdf_bytes, InMemoryKeySource.from_identity(pki_server.pki.principal),
                      SignatureRequest(level=SignatureLevel.B_B), services)
    extended = extend_to_lta(second.pdf_bytes, services)
    out = tmp_path / "lta.pdf"
    out.write_bytes(extended)
    assert_pdfsig_all_valid(out, doc_timestamps=1)
    assert assert_openssl_verifies_every_signature(extended, tmp_path, pki_server.pki.root_pem()) == 3
    dss = _dss(extended)
    assert dss.get("/Certs", 0) >= 4 and dss.get("/OCSPs", 0) >= 2, dss
