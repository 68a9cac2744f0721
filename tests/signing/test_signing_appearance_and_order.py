"""Decree 30 appearances and several signatures in order (teacher → principal → seal), locks, DocMDP."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from checks import assert_openssl_verifies_every_signature, assert_pdfsig_all_valid, assert_qpdf_ok
from pdfs import make_pdf
from PIL import Image
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from signing.errors import SignatureFieldError
from signing.fields import FieldPlan, prepare_signature_fields
from signing.keys.memory import InMemoryKeySource
from signing.pades import sign_pdf
from signing.services import SigningServices
from signing.settings import Appearance, AppearanceKind, Box, DocMdp, SignatureLevel, SignatureRequest
from signing.testing import PKIServer

PERSON_BOX = Box(380, 560, 540, 620)


@pytest.fixture(scope="module")
def services(pki_server: PKIServer) -> SigningServices:
    return SigningServices(trust_roots=tuple(pki_server.pki.trust_roots_asn1()), tsa_url=pki_server.tsa_url)


def _key(server: PKIServer, name: str) -> InMemoryKeySource:
    return InMemoryKeySource.from_identity(server.pki.identities[name])


def _page_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout


def _red_and_blue_pixels(png: Path, box: tuple[int, int, int, int]) -> tuple[int, int]:
    image = Image.open(png).convert("RGB").crop(box)
    red = blue = 0
    raw = image.tobytes()
    for i in range(0, len(raw), 3):
        r, g, b = raw[i], raw[i + 1], raw[i + 2]
        if r > 150 and g < 80 and b < 80:
            red += 1
        if b > 120 and r < 80 and g < 100:
            blue += 1
    return red, blue


def test_person_then_seal_then_attachment_render_and_stay_valid(pki_server: PKIServer, services: SigningServices,
                                                               tmp_path: Path) -> None:
    pdf = make_pdf()
    person = sign_pdf(pdf, _key(pki_server, "principal"), SignatureRequest(
        field_name="HieuTruong", appearance=Appearance(AppearanceKind.PERSON), box=PERSON_BOX), services)
    seal = sign_pdf(person.pdf_bytes, _key(pki_server, "organisation"), SignatureRequest(
        field_name="DongDau", level=SignatureLevel.B_T,
        appearance=Appearance(AppearanceKind.SEAL, overlap_field="HieuTruong")), services)
    attachment = sign_pdf(seal.pdf_bytes, _key(pki_server, "organisation"), SignatureRequest(
        field_name="PhuLuc", appearance=Appearance(AppearanceKind.ATTACHMENT, document_number="123/QĐ-ĐHQT")),
        services)
    out = tmp_path / "signed.pdf"
    out.write_bytes(attachment.pdf_bytes)
    assert_pdfsig_all_valid(out)
    assert_qpdf_ok(out)
    assert assert_openssl_verifies_every_signature(attachment.pdf_bytes, tmp_path, pki_server.pki.root_pem()) == 3

    # Vietnamese text of the seal and attachment boxes is real text (embedded font, ToUnicode)
    text = _page_text(out)
    assert "Số, ký hiệu: 123/QĐ-ĐHQT" in text
    assert "Thời gian ký: " in text and "+07:00" in text
    assert "Trường Đại học Quy Trình (THỬ NGHIỆM)" in text

    # rendered: blue signature on the right of the person box, red seal over its left third
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")], check=True)
    png = tmp_path / "page-1.png"
    page_height = 842
    y_top, y_bottom = page_height - 620, page_height - 560
    third = int(PERSON_BOX.width / 3)
    red_left, blue_left = _red_and_blue_pixels(png, (380, y_top, 380 + third, y_bottom))
    red_right, blue_right = _red_and_blue_pixels(png, (380 + third + 10, y_top, 540, y_bottom))
    assert red_left > 50 and blue_right > 50, (red_left, blue_right)
    assert red_right < red_left / 5, "the seal covers only the left third"
    red_top_right, _ = _red_and_blue_pixels(png, (300, 20, 580, 80))
    assert red_top_right == 0, "the attachment signature has no seal image"


def test_later_signer_can_sign_only_their_own_field(pki_server: PKIServer, services: SigningServices,
                                                    tmp_path: Path) -> None:
    prepared = prepare_signature_fields(make_pdf(), [
        FieldPlan("GiaoVien", 1, Box(60, 100, 220, 160)), FieldPlan("HieuTruong", 1, PERSON_BOX),
        FieldPlan("DongDau", 1, Box(300, 540, 470, 650)),
    ])
    teacher = sign_pdf(prepared, _key(pki_server, "signer_rsa"), SignatureRequest(
        field_name="GiaoVien", certify=True, docmdp=DocMdp.FILL_FORMS,
        lock_all_except=("HieuTruong", "DongDau"), appearance=Appearance(AppearanceKind.PERSON)), services)
    principal = sign_pdf(teacher.pdf_bytes, _key(pki_server, "principal"), SignatureRequest(
        field_name="HieuTruong", appearance=Appearance(AppearanceKind.PERSON)), services)
    sealed = sign_pdf(principal.pdf_bytes, _key(pki_server, "organisation"), SignatureRequest(
        field_name="DongDau", level=SignatureLevel.B_LT,
        appearance=Appearance(AppearanceKind.SEAL)), services)
    out = tmp_path / "three.pdf"
    out.write_bytes(sealed.pdf_bytes)
    assert_pdfsig_all_valid(out)
    assert assert_openssl_verifies_every_signature(sealed.pdf_bytes, tmp_path, pki_server.pki.root_pem()) == 3

    reader = PdfFileReader(BytesIO(sealed.pdf_bytes), strict=False)
    context = ValidationContext(trust_roots=pki_server.pki.trust_roots_asn1(), allow_fetching=True)
    statuses = [validate_pdf_signature(sig, context) for sig in reader.embedded_signatures]
    assert [s.bottom_line for s in statuses] == [True, True, True]
    assert reader.embedded_signatures[0].docmdp_level is not None

    with pytest.raises(SignatureFieldError) as info:
        sign_pdf(sealed.pdf_bytes, _key(pki_server, "signer_rsa"), SignatureRequest(field_name="HieuTruong"), services)
    assert info.value.code == "field_already_signed" and "đã được ký" in info.value.message_vi

    # tampering with a locked field after the teacher signed breaks the teacher's lock
    writer = IncrementalPdfFileWriter(BytesIO(teacher.pdf_bytes), strict=False)
    writer.root["/AcroForm"]["/Fields"][0].get_object()["/TU"] = writer.root["/AcroForm"]["/Fields"][0].get_object().get("/T")
    writer.update_container(writer.root["/AcroForm"]["/Fields"][0])
    tampered = BytesIO()
    writer.write(tampered)
    tampered_reader = PdfFileReader(BytesIO(tampered.getvalue()), strict=False)
    tampered_status = validate_pdf_signature(tampered_reader.embedded_signatures[0], context)
    assert not tampered_status.bottom_line or tampered_status.modification_level.name != "LTA_UPDATES"
