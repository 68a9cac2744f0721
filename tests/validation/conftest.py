"""Fixtures for validation tests: the shared loopback test PKI, PDFs signed with pyHanko, stores."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from fpdf import FPDF
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.testing import PKIServer
from signing.trust import TrustEntry, TrustStore


def make_pdf(text: str = "Quyet dinh cong nhan tot nghiep") -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def sign_pdf(pdf: bytes, identity, *, server: PKIServer | None = None, timestamp: bool = False,
             lt: bool = False, field: str = "Signature1", md: str = "sha256", pades: bool = True) -> bytes:
    signer = signers.SimpleSigner(
        signing_cert=identity.asn1_certificate, signing_key=identity.asn1_private_key,
        cert_registry=SimpleCertificateStore.from_certs(identity.asn1_chain))
    vc = None
    if lt:
        vc = ValidationContext(trust_roots=server.pki.trust_roots_asn1(), allow_fetching=True)
    meta = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm=md, subfilter=fields.SigSeedSubFilter.PADES if pades
        else fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
        embed_validation_info=lt, validation_context=vc, use_pades_lta=False)
    timestamper = HTTPTimeStamper(server.tsa_url) if timestamp else None
    out = io.BytesIO()
    signers.PdfSigner(meta, signer, timestamper=timestamper).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), output=out)
    return out.getvalue()


def store_for(server: PKIServer) -> TrustStore:
    root = server.pki.trust_roots_asn1()[0]
    return TrustStore([TrustEntry(cert=root, role="root", hierarchy="local", source="added", file="")])


@pytest.fixture(scope="session")
def pki_server() -> Iterator[PKIServer]:
    with PKIServer() as server:
        yield server


@pytest.fixture(scope="session")
def test_store(pki_server) -> TrustStore:
    return store_for(pki_server)


@pytest.fixture(scope="session")
def signed_bb(pki_server) -> bytes:
    return sign_pdf(make_pdf(), pki_server.pki.signer_rsa, server=pki_server)
