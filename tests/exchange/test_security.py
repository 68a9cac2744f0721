"""Signatures on the axis: PDF attachments validated on receipt, envelopes signed and checked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.autopilot import Autopilot
from app.exchange.models import ReceivedPackage
from app.exchange.service import Exchange
from connectors.edxml import check_envelope, make_attachment, read_package, sign_envelope

from .test_exchange import official_letter, statuses_seen_by


def letter_with(pdf: bytes, number: str = "123") -> bytes:
    from datetime import date

    from connectors.edxml import Code, MessageHeader, Organization, PromulgationInfo, build_document

    from .conftest import MINISTRY, US

    header = MessageHeader(from_=Organization(MINISTRY, "Văn phòng Chính phủ"), to=(Organization(US, "Trường"),),
                           code=Code(number, "VPCP-KGVX"), promulgation=PromulgationInfo("Hà Nội", date(2026, 11, 20)),
                           subject="Về việc triển khai chữ ký số")
    return build_document(header, [make_attachment("cong-van.pdf", pdf)])


def with_validator(exchange: Exchange, validator: Any, **options: Any) -> Exchange:
    return Exchange(exchange.c, exchange.client, validator, **options)


def case_data(container: Any, case_id: int) -> dict:
    return container.engine.case(case_id, Autopilot(container).auditor()).data


def events(container: Any, case_id: int, kind: str) -> list[dict]:
    return [e["payload"] for e in container.engine.audit_events(case_id, Autopilot(container).auditor())
            if e["kind"] == kind]


def received(container: Any) -> ReceivedPackage:
    with container.sessions() as s:
        row = s.scalars(select(ReceivedPackage)).one()
        s.expunge(row)
        return row


def test_a_valid_signed_attachment_is_validated_and_the_verdict_kept_with_the_case(container, exchange, validator,
                                                                                   signed_pdf):
    assert with_validator(exchange, validator).accept(letter_with(signed_pdf), "r1") == "started"
    row = received(container)
    verdict = row.report["attachments"][0]["validation"]
    assert (row.outcome, verdict["indication"], verdict["signed"]) == ("stored", "PASSED", True)
    assert "Quy Trình" in verdict["signatures"][0]["signer"]
    assert case_data(container, row.case_id)["attachment_warnings"] == []
    [event] = events(container, row.case_id, "attachment_validated")
    assert event["ok"] is True and event["indication"] == "PASSED" and event["name"] == "cong-van.pdf"
    assert container.engine.verify_audit(row.case_id).ok


def test_a_broken_attachment_signature_flags_the_package_and_warns_the_clerk(container, exchange, validator,
                                                                             signed_pdf):
    at = signed_pdf.index(b"Cong van so 123")
    tampered = signed_pdf[:at] + b"Cong van so 999" + signed_pdf[at + 15:]
    assert with_validator(exchange, validator).accept(letter_with(tampered), "r1") == "started"
    row = received(container)
    assert row.outcome == "flagged" and "cong-van.pdf" in row.reason
    warnings = case_data(container, row.case_id)["attachment_warnings"]
    assert len(warnings) == 1 and "CHỮ KÝ KHÔNG HỢP LỆ" in warnings[0] and "FAILED" in warnings[0]
    [event] = events(container, row.case_id, "attachment_validated")
    assert event["ok"] is False and event["indication"] == "FAILED"
    assert events(container, row.case_id, "package_received")[0]["flagged"]


def test_an_unsigned_pdf_is_reported_to_the_clerk_but_not_flagged(container, exchange, validator):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    with_validator(exchange, validator).accept(letter_with(bytes(pdf.output())), "r1")
    row = received(container)
    assert row.outcome == "stored"
    [warning] = case_data(container, row.case_id)["attachment_warnings"]
    assert "không có chữ ký số" in warning


def test_an_unreadable_pdf_is_flagged_with_the_reason(container, exchange, validator):
    from .test_exchange import PDF  # a PDF header and nothing a reader can use

    with_validator(exchange, validator).accept(letter_with(PDF), "r1")
    row = received(container)
    assert row.outcome == "flagged"
    assert "CHỮ KÝ KHÔNG HỢP LỆ" in case_data(container, row.case_id)["attachment_warnings"][0]


def test_envelope_signed_by_a_trusted_partner_is_valid_and_a_forged_one_refused(container, exchange, ministry_keys):
    key, cert = ministry_keys
    checked = with_validator(exchange, None, trusted_certs=[cert])
    signed = sign_envelope(official_letter("5"), key, cert)
    assert checked.accept(signed, "r1") == "started"
    row = received(container)
    assert row.report["envelope"]["status"] == "valid"
    assert case_data(container, row.case_id)["envelope_signature"].startswith("valid:")
    forged = sign_envelope(official_letter("6"), key, cert).replace(b"VPCP-KGVX", b"VPCP-KGVY")
    assert checked.accept(forged, "r2") == "refused"
    with container.sessions() as s:
        refusal = s.scalars(select(ReceivedPackage).where(ReceivedPackage.remote_id == "r2")).one()
        assert refusal.kind == "refused" and "phong bì" in refusal.reason
        assert refusal.report["envelope"]["status"] == "invalid"


def test_sdk_placeholder_envelope_is_only_reported(container, exchange):
    from tests.connectors.conftest import FIXTURES

    data = (FIXTURES / "edoc_new.edxml").read_bytes()
    header = read_package(data).header
    exchange.agency = header.to[0].organ_id
    assert exchange.accept(data, "p1") == "started"
    assert received(container).report["envelope"]["status"] == "placeholder"


def test_status_replies_carry_our_organisation_signature(container, exchange, ministry, pki):
    identity = pki.organisation
    key, cert = identity.private_key_pem(), identity.certificate_pem()
    ours = with_validator(exchange, None, sign=lambda body: sign_envelope(body, key, cert))
    ministry.send_edoc(official_letter())
    assert ours.poll_inbox().received == 1
    assert ours.deliver_outbox().sent == 1
    [remote] = ministry.list_received("status")
    status = ministry.get_edoc(remote)
    assert read_package(status).header.status_code.value == "01"
    assert check_envelope(status, trusted_certs=[cert]).status == "valid"
    assert statuses_seen_by(ministry) == ["01"]
