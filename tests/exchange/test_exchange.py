"""Documents and statuses between an outside agency and quytrinh over a real local hub."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.autopilot import Autopilot
from app.exchange.models import ReceivedPackage
from connectors.edxml import (
    BusinessDocType,
    Code,
    MessageHeader,
    Organization,
    PromulgationInfo,
    build_document,
    make_attachment,
    read_package,
)
from engine.models import Outbox

from .conftest import MINISTRY, US

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def official_letter(number: str = "123", to: str = US, **options) -> bytes:
    header = MessageHeader(
        from_=Organization(MINISTRY, "Văn phòng Chính phủ"), to=(Organization(to, "Trường Đại học Cần Thơ"),),
        code=Code(number, "VPCP-KGVX"), promulgation=PromulgationInfo("Hà Nội", date(2026, 11, 20)),
        subject="Về việc triển khai chữ ký số trong cơ sở giáo dục đại học")
    return build_document(header, [make_attachment("cong-van.pdf", PDF)], **options)


def statuses_seen_by(ministry) -> list[str]:
    codes = []
    for remote in ministry.list_received("status"):
        package = read_package(ministry.get_edoc(remote))
        codes.append(package.header.status_code.value)
        ministry.update_status(remote, "done")
    return codes


def test_received_document_starts_qt74_and_every_status_reaches_the_sender(container, exchange, ministry):
    ministry.send_edoc(official_letter())
    got = exchange.poll_inbox()
    assert (got.received, got.refused) == (1, 0)
    with container.sessions() as s:
        row = s.scalars(select(ReceivedPackage)).one()
        assert row.case_id is not None and row.sender == MINISTRY
    assert exchange.deliver_outbox().sent == 1
    assert statuses_seen_by(ministry) == ["01"]
    pilot = Autopilot(container)
    assert pilot.run(row.case_id) == "completed"
    exchange.deliver_outbox()
    assert sorted(statuses_seen_by(ministry)) == ["03", "04", "05", "06"]  # the axis does not promise order
    events = [e["kind"] for e in container.engine.audit_events(row.case_id, pilot.auditor())]
    assert events.count("package_sent") == 5 and "package_received" in events
    assert container.engine.verify_audit(row.case_id).ok
    docs = container.engine.case(row.case_id, pilot.auditor()).data["attachments"]
    assert docs[0]["file_name"] == "cong-van.pdf"


def test_redelivered_package_starts_one_case(container, exchange, ministry):
    data = official_letter()
    assert exchange.accept(data, "r1") == "started"
    assert exchange.accept(data, "r2") == "duplicate"
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReceivedPackage)) == 1
    assert container.engine.cases(Autopilot(container).auditor()).total == 1


def test_refusals_are_recorded_and_change_nothing(container, exchange, ministry):
    assert exchange.accept(b"<edXML><broken", "x1") == "refused"
    assert exchange.accept(official_letter(to="000.00.00.G03"), "x2") == "refused"
    with container.sessions() as s:
        reasons = [r.reason for r in s.scalars(select(ReceivedPackage).order_by(ReceivedPackage.id))]
        assert len(reasons) == 2 and "cơ quan khác" in reasons[1]
        assert s.scalar(select(func.count()).select_from(Outbox)) == 0
    assert container.engine.cases(Autopilot(container).auditor()).total == 0


def test_revoke_of_a_finished_document_is_refused_with_status_16(container, exchange, ministry):
    letter = official_letter("77")
    exchange.accept(letter, "a")
    with container.sessions() as s:
        case_id = s.scalars(select(ReceivedPackage.case_id)).one()
    Autopilot(container).run(case_id)
    header = read_package(letter).header
    revoke = build_document(header, [], doc_type=BusinessDocType.REVOKE, reason="Ban hành nhầm")
    assert exchange.accept(revoke, "b") == "refused"
    exchange.deliver_outbox()
    assert "16" in statuses_seen_by(ministry)


def test_status_for_an_unknown_document_is_refused(container, exchange, ministry):
    from connectors.edxml import build_status

    header = read_package(official_letter("999", to=MINISTRY)).header
    foreign = MessageHeader(from_=Organization(US), to=(Organization(MINISTRY),), code=header.code,
                            promulgation=header.promulgation, subject="x", document_id=header.document_id)
    status = build_status(foreign, "03", "Đã tiếp nhận")
    assert exchange.accept(status, "s1") == "refused"
