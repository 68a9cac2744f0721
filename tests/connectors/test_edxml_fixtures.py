"""Every real package from the reference SDK is read, written back and read again unchanged."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import pytest

from connectors.edxml import (
    BusinessDocType,
    DocumentPackage,
    StatusCode,
    StatusPackage,
    read_package,
    split_document_id,
    write_package,
)

from .conftest import FIXTURE_FILES, FIXTURES


def test_all_sixteen_fixtures_are_present():
    assert len(FIXTURE_FILES) == 16


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_round_trip_keeps_every_field_and_attachment(path):
    original = read_package(path.read_bytes())
    written = write_package(original)
    again = read_package(written)
    assert again == original
    assert write_package(again) == written, "writing is canonical: same content, same bytes"
    assert again.findings == (), "what we write needs no tolerance on the way back in"
    if isinstance(original, DocumentPackage):
        assert [hashlib.sha256(a.data).digest() for a in again.attachments] == \
               [hashlib.sha256(a.data).digest() for a in original.attachments]


@pytest.mark.parametrize(("name", "doc_type"), [
    ("edoc_new.edxml", BusinessDocType.NEW), ("edoc_revocation.edxml", BusinessDocType.REVOKE),
    ("edoc_update.edxml", BusinessDocType.UPDATE), ("edoc_replacement.edxml", BusinessDocType.REPLACE)])
def test_business_doc_type_is_read_from_the_bussiness_spelling(name, doc_type):
    package = read_package((FIXTURES / name).read_bytes())
    assert package.business.doc_type is doc_type
    assert b"<edXML:Bussiness>" in write_package(package)


@pytest.mark.parametrize(("name", "code"), [
    ("status_inbox_01.edxml", "01"), ("status_rejection_02.edxml", "02"), ("status_acceptance_03.edxml", "03"),
    ("status_assignment_04.edxml", "04"), ("status_processing_05.edxml", "05"), ("status_finish_06.edxml", "06"),
    ("status_cancellation_13.edxml", "13"), ("status_change-acceptance_15.edxml", "15"),
    ("status_change-rejection_16.edxml", "16"), ("status.edxml", "01")])
def test_status_packages_carry_their_code_and_reference(name, code):
    package = read_package((FIXTURES / name).read_bytes())
    assert isinstance(package, StatusPackage)
    assert package.header.status_code is StatusCode(code)
    assert package.header.response_for.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert package.header.timestamp.year in (2015, 2018)
    assert package.header.staff.mobile == "84912000001"


def test_document_fields_are_extracted():
    package = read_package((FIXTURES / "edoc_revocation.edxml").read_bytes())
    header = package.header
    assert header.from_.organ_id == "000.00.00.G22"
    assert header.from_.organ_name == "Văn phòng Chính phủ"
    assert [o.organ_id for o in header.to] == ["000.00.00.H41", "000.00.00.H14", "000.00.00.G17"]
    assert (header.code.code_number, header.code.code_notation) == ("7816", "VPCP-TTĐT")
    assert header.promulgation.promulgation_date == date(2018, 9, 28)
    assert header.document_type.type_name == "Công văn"
    assert header.signer.full_name == "Nguyen Thanh Phuc"
    assert header.to_places == ("Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP")
    assert header.other_info.appendixes == ("Công văn về việc kết nối, liên thông phần mềm quản lý văn bản",)
    assert header.steering_type == "1"
    parts = split_document_id(header.document_id)
    assert (parts.organ_id, parts.date_text, parts.number, parts.notation) == \
           ("000.00.00.G22", "2015/09/30", "7816", "VPCP-TTĐT")
    assert package.traces[0].timestamp == datetime(2018, 9, 28)


def test_replacement_and_update_details_survive():
    replacement = read_package((FIXTURES / "edoc_replacement.edxml").read_bytes())
    assert [r.organ_ids for r in replacement.business.replacements] == [("000.00.00.H41", "000.00.00.H14")] * 2
    update = read_package((FIXTURES / "edoc_update.edxml").read_bytes())
    receivers = update.business.document_info.receivers
    assert [(r.organ_id, r.receiver_type) for r in receivers] == [("000.00.00.H41", "0"), ("000.00.00.H14", "1")]


def test_zip_attachment_is_decoded_to_the_zip_bytes():
    package = read_package((FIXTURES / "edoc_zip_attachment.edxml").read_bytes())
    (attachment,) = package.attachments
    assert attachment.data.startswith(b"PK\x03\x04")
    assert attachment.content_type == "application/zip"
    assert attachment.content_id == "cid:209"


def test_sdk_quirks_are_tolerated_and_reported():
    package = read_package((FIXTURES / "edoc.edxml").read_bytes())
    codes = [f.code for f in package.findings]
    assert "xml_repaired" in codes, "From is opened twice and closed once in the SDK sample"
    assert "attachment_not_base64" in codes, "the attachment holds a JMeter template, not base64"
    assert package.header.from_.organ_id == "777.77.04.D77"
    assert package.header.to[0].organ_id == "777.77.03.D77"
    assert package.header.response_for == (), "an all-empty ResponseFor means no reply"
    assert package.attachments[0].name == "GUIDE_INSTALL OPENVPN.SIGNED.PDF"
    assert package.attachments[0].description == "Description 1", "taken from the manifest"
    placeholder = read_package((FIXTURES / "edoc_new.edxml").read_bytes())
    assert placeholder.signature.kind == "placeholder"
    assert "signature_placeholder" in [f.code for f in placeholder.findings]


def test_the_other_date_layout_is_read(tmp_path):
    data = (FIXTURES / "status_finish_06.edxml").read_bytes().replace(b"2015/09/30", b"30/09/2015")
    package = read_package(data)
    assert package.header.response_for.promulgation_date == date(2015, 9, 30)
    assert b"2015/09/30" in write_package(package), "written back in the QCVN layout"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_the_indexed_child_lookup_reads_what_the_plain_scan_reads(path):
    from connectors.edxml import EdxmlError, reader

    data = path.read_bytes()
    try:
        indexed = reader.read_package_tree(data)[0]
    except EdxmlError as exc:
        with pytest.raises(EdxmlError) as caught:
            reader._read(data, reader.DEFAULT_LIMITS, True)  # no index set: every lookup scans the children
        assert caught.value.to_dict() == exc.to_dict()
        return
    assert reader._CHILD_INDEX.get() is None, "the index lives only while one package is read"
    assert reader._read(data, reader.DEFAULT_LIMITS, True)[0] == indexed
