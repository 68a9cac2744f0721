"""Envelope signatures: ours verify, tampering is caught, the SDK placeholder is only reported."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.edxml import (
    Code,
    MessageHeader,
    Organization,
    PromulgationInfo,
    build_document,
    check_envelope,
    make_attachment,
    read_package,
    receive_package,
    sign_envelope,
)

from .conftest import FIXTURES


@pytest.fixture()
def signed(university_keys, small_pdf) -> bytes:
    header = MessageHeader(from_=Organization("000.21.36.H13", "Trường Đại học Cần Thơ"),
                           to=(Organization("G03", "Bộ GD&ĐT"),), code=Code("7", "ĐHCT-TCCB"),
                           promulgation=PromulgationInfo("Cần Thơ", date(2025, 1, 2)), subject="Thử ký")
    key, cert = university_keys
    return sign_envelope(build_document(header, [make_attachment("qd.pdf", small_pdf)]), key, cert)


def test_signed_package_verifies_with_the_trusted_certificate(signed, university_keys):
    check = check_envelope(signed, trusted_certs=[university_keys[1]])
    assert check.status == "valid"
    assert "Cần Thơ" in check.signer_subject or "C=VN" in check.signer_subject
    assert read_package(signed).signature.kind == "xmldsig"


def test_without_configured_trust_it_is_intact_but_untrusted(signed):
    assert check_envelope(signed).status == "valid_untrusted"


def test_wrong_trusted_certificate_fails(signed, other_keys):
    assert check_envelope(signed, trusted_certs=[other_keys[1]]).status == "invalid"


def test_tampering_with_the_attachment_is_caught(signed, university_keys):
    tampered = signed.replace(b"<edXML:Subject>Th", b"<edXML:Subject>XX", 1)
    assert tampered != signed
    check = check_envelope(tampered, trusted_certs=[university_keys[1]])
    assert check.status == "invalid" and check.refuses


def test_sdk_placeholder_is_reported_not_failed():
    check = check_envelope((FIXTURES / "edoc_new.edxml").read_bytes())
    assert check.status == "placeholder" and not check.refuses


def test_status_packages_without_signature_are_absent():
    assert check_envelope((FIXTURES / "status_finish_06.edxml").read_bytes()).status == "absent"


def test_receipt_runs_the_apps_attachment_validator(signed, university_keys, small_pdf):
    seen = []

    def validator(name: str, data: bytes) -> dict:
        seen.append((name, data))
        return {"pdf": data.startswith(b"%PDF-")}

    report = receive_package(signed, trusted_certs=[university_keys[1]], attachment_validator=validator)
    assert seen == [("qd.pdf", small_pdf)]
    assert report.attachments[0].validation == {"pdf": True}
    assert report.envelope_signature.status == "valid" and report.refused_reason is None


def test_a_failing_validator_is_reported_not_raised(signed):
    def broken(name: str, data: bytes) -> None:
        raise RuntimeError("boom")

    report = receive_package(signed, attachment_validator=broken)
    assert report.attachments[0].validation_error["code"] == "attachment_validator_failed"


def test_checking_on_the_readers_tree_gives_the_same_answer_as_parsing_again(signed, university_keys, other_keys):
    from connectors.edxml import EdxmlError, read_package_tree

    tampered = signed.replace(b"<edXML:Subject>Th", b"<edXML:Subject>Kh", 1)
    assert tampered != signed
    packages = [signed, tampered] + [path.read_bytes() for path in sorted(FIXTURES.glob("*.edxml"))]
    checked = 0
    for data in packages:
        try:
            package, root = read_package_tree(data)
        except EdxmlError:
            continue
        assert package == read_package(data)
        for certs in ([], [university_keys[1]], [other_keys[1]]):
            assert check_envelope(data, certs, root=root) == check_envelope(data, certs)
        checked += 1
    assert checked >= 10
