"""Building what the university sends: each document kind and each status, read back by our reader."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest

from connectors.edxml import (
    BusinessDocType,
    Code,
    EdxmlError,
    MessageHeader,
    Organization,
    PromulgationInfo,
    ReplacementInfo,
    StatusCode,
    build_document,
    build_status,
    make_attachment,
    read_package,
)

CTU = Organization(organ_id="000.21.36.H13", organ_name="Trường Đại học Cần Thơ",
                   organ_add="Khu II, đường 3/2, Ninh Kiều, Cần Thơ", email="dhct@ctu.edu.vn")
MOET = Organization(organ_id="G03", organ_name="Bộ Giáo dục và Đào tạo")


def _header(**overrides) -> MessageHeader:
    values = dict(from_=CTU, to=(MOET,), code=Code("12", "ĐHCT-VP"),
                  promulgation=PromulgationInfo("Cần Thơ", date(2025, 3, 14)),
                  subject="V/v báo cáo tuyển sinh", content="Báo cáo tuyển sinh năm 2025")
    values.update(overrides)
    return MessageHeader(**values)


def test_new_document_with_pdf_and_other_file(small_pdf):
    pdf = make_attachment("cong-van-12.pdf", small_pdf)
    csv = make_attachment("danh-sach.csv", "họ tên;điểm\nAn;9\n".encode())
    data = build_document(_header(), [pdf, csv], now=datetime(2025, 3, 14, 9, 30))
    package = read_package(data)
    assert package.header.document_id == "000.21.36.H13,2025/03/14,12/ĐHCT-VP"
    assert package.business.doc_type is BusinessDocType.NEW
    assert package.business.reason == "Văn bản điện tử mới"
    assert package.traces[0].organ_id == "000.21.36.H13"
    assert package.traces[0].timestamp == datetime(2025, 3, 14, 9, 30)
    first, second = package.attachments
    assert (first.name, first.content_type, first.data) == ("cong-van-12.pdf", "application/pdf", small_pdf)
    assert (second.name, second.content_type) == ("danh-sach.csv.zip", "application/zip")
    with zipfile.ZipFile(io.BytesIO(second.data)) as archive:
        assert archive.read("danh-sach.csv").decode() == "họ tên;điểm\nAn;9\n"
    assert [a.content_id for a in package.attachments] == ["cid:1", "cid:2"]


def test_office_files_travel_as_they_are():
    docx = make_attachment("to-trinh.docx", b"PK\x03\x04fake-docx")
    assert docx.name == "to-trinh.docx" and docx.data == b"PK\x03\x04fake-docx"
    assert docx.content_type.endswith("wordprocessingml.document")


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused():
    with pytest.raises(EdxmlError) as caught:
        make_attachment("virus.pdf", b"MZ\x90\x00")
    assert caught.value.code == "attachment_not_pdf"


@pytest.mark.parametrize("doc_type", [BusinessDocType.REVOKE, BusinessDocType.UPDATE])
def test_revoke_and_update_point_at_the_document(doc_type):
    package = read_package(build_document(_header(), doc_type=doc_type))
    assert package.business.doc_type is doc_type
    assert package.business.document_id == "000.21.36.H13,2025/03/14,12/ĐHCT-VP"
    assert package.business.reason in ("Thu hồi văn bản điện tử", "Cập nhật văn bản điện tử")


def test_replace_names_the_replaced_documents():
    replaced = ReplacementInfo("000.21.36.H13,2025/03/01,10/ĐHCT-VP", ("G03",))
    package = read_package(build_document(_header(), doc_type=BusinessDocType.REPLACE, replaces=[replaced]))
    assert package.business.doc_type is BusinessDocType.REPLACE
    assert package.business.replacements == (replaced,)
    with pytest.raises(EdxmlError):
        build_document(_header(), doc_type=BusinessDocType.REPLACE)


def test_a_document_without_recipient_is_not_written():
    with pytest.raises(EdxmlError) as caught:
        build_document(_header(to=()))
    assert caught.value.details == {"element": "To"}


@pytest.mark.parametrize("code", list(StatusCode))
def test_each_status_reply_points_back_at_the_original(code):
    original = read_package(build_document(_header())).header
    status = read_package(build_status(original, code, now=datetime(2025, 3, 15, 8, 0)))
    assert status.header.status_code is code
    assert status.header.from_ == MOET
    assert status.header.response_for.organ_id == "000.21.36.H13"
    assert status.header.response_for.document_id == original.document_id
    assert status.header.response_for.code == "12/ĐHCT-VP"
    assert status.header.description, "a default Vietnamese description is filled in"
    assert status.header.timestamp == datetime(2025, 3, 15, 8, 0)


def test_status_for_a_document_sent_to_many_needs_the_reporter():
    original = _header(to=(MOET, CTU))
    with pytest.raises(EdxmlError):
        build_status(original, StatusCode.ARRIVED)
    reply = read_package(build_status(original, "01", "Đã đến", reporter=MOET))
    assert reply.header.from_ == MOET
