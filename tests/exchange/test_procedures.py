"""QT74 through the engine and a real hub: an outgoing letter leaves signed and its statuses advance
the case; a recall reaches the case holding the document and the registry answers it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.autopilot import Autopilot, sample_form
from app.exchange.models import ReceivedPackage
from app.exchange.runner import exchange_from_settings
from connectors.edxml import Organization, build_status, check_envelope, read_package

from .conftest import MINISTRY, US
from .test_exchange import official_letter, statuses_seen_by


def work_open_tasks(container: Any, pilot: Autopilot, case_id: int, answers: dict[str, dict] | None = None) -> str:
    """Work every open task with sample data (plus ``answers`` by task id) until none is open."""
    for _ in range(20):
        case = container.engine.case(case_id, pilot.auditor())
        open_tasks = [t for t in case.tasks if t["status"] in ("ready", "claimed")]
        if not open_tasks:
            return case.status
        task = open_tasks[0]
        who = pilot.person(task["role"], task["unit"])
        data = {**sample_form(container.engine.task(task["id"], who).form), **(answers or {}).get(task["bpmn_id"], {})}
        container.engine.complete(task["id"], data, who)
    raise AssertionError("tasks keep coming")


def open_task_ids(container: Any, pilot: Autopilot, case_id: int) -> list[str]:
    case = container.engine.case(case_id, pilot.auditor())
    return [t["bpmn_id"] for t in case.tasks if t["status"] in ("ready", "claimed")]


def held_case(container: Any) -> int:
    with container.sessions() as s:
        return s.scalars(select(ReceivedPackage.case_id).where(ReceivedPackage.kind == "edoc")).one()


def recall(letter: bytes) -> bytes:
    return build_status(read_package(letter).header, "13", "Ban hành nhầm, xin lấy lại",
                        reporter=Organization(MINISTRY, "Văn phòng Chính phủ"))


@pytest.mark.parametrize(("decision", "reply", "case_status"), [("agree", "15", "completed"),
                                                                 ("refuse", "16", "waiting")])
def test_a_recall_becomes_a_registry_task_and_its_answer_goes_back(container, exchange, ministry, decision, reply,
                                                                  case_status):
    letter = official_letter("41")
    ministry.send_edoc(letter)
    exchange.poll_inbox()
    case_id = held_case(container)
    ministry.send_edoc(recall(letter), message_type="status", to=[US])
    assert exchange.poll_inbox().received == 1
    pilot = Autopilot(container)
    assert sorted(open_task_ids(container, pilot, case_id)) == ["vt_recall", "vt_register"]
    [task] = [t for t in container.engine.case(case_id, pilot.auditor()).tasks if t["bpmn_id"] == "vt_recall"]
    clerk = pilot.person(task["role"], task["unit"])
    container.engine.complete(task["id"], {"recall_decision": decision, "recall_reason": "Ý kiến của văn thư"}, clerk)
    exchange.deliver_outbox()
    assert sorted(statuses_seen_by(ministry)) == ["01", reply]
    case = container.engine.case(case_id, pilot.auditor())
    assert case.status == case_status
    if decision == "refuse":
        assert open_task_ids(container, pilot, case_id) == ["vt_register"]  # the handling goes on
    assert container.engine.verify_audit(case_id).ok


def test_a_recall_after_the_case_ended_is_refused_by_the_exchange(container, exchange, ministry):
    letter = official_letter("42")
    ministry.send_edoc(letter)
    exchange.poll_inbox()
    case_id = held_case(container)
    assert Autopilot(container).run(case_id) == "completed"
    ministry.send_edoc(recall(letter), message_type="status", to=[US])
    exchange.poll_inbox()
    exchange.deliver_outbox()
    assert "16" in statuses_seen_by(ministry)


def test_a_revoke_ends_the_case_holding_the_document(container, exchange, ministry):
    from connectors.edxml import BusinessDocType, build_document

    letter = official_letter("43")
    ministry.send_edoc(letter)
    exchange.poll_inbox()
    case_id = held_case(container)
    ministry.send_edoc(build_document(read_package(letter).header, [], doc_type=BusinessDocType.REVOKE,
                                      reason="Ban hành nhầm"))
    assert exchange.poll_inbox().received == 1
    pilot = Autopilot(container)
    assert container.engine.case(case_id, pilot.auditor()).status == "completed"
    kinds = [e["kind"] for e in container.engine.audit_events(case_id, pilot.auditor())]
    assert "document_revoke_received" in kinds and "message_received" in kinds
    exchange.deliver_outbox()
    assert sorted(statuses_seen_by(ministry)) == ["01", "15"]


@pytest.fixture
def outgoing(container: Any, hub: Any) -> Any:
    """The installation as configured for the axis, with demo keys (leader + organisation seal)."""
    from dataclasses import replace

    from app.container import Container
    from app.keystore import ORGANISATION, Keystore, create_demo_keys

    settings = replace(container.settings, axis_endpoint=hub.url, axis_system_id="sys-us",
                       axis_secret="bi-mat-cua-truong", agency_code=US)
    c = Container(settings)
    create_demo_keys(c, users=[("lanhdao", "Phạm Quốc Hùng")])
    cert = Keystore(settings).key_for(ORGANISATION).certificate.dump()
    yield c, exchange_from_settings(c), cert
    c.dispose()


@pytest.mark.parametrize(("codes", "drafter_told"), [(["03", "05", "06"], False), (["02"], True)])
def test_an_outgoing_letter_leaves_sealed_and_signed_and_statuses_advance_its_case(outgoing, exchange, ministry,
                                                                                   codes, drafter_told):
    from app.exchange.security import _pem

    c, ours, cert = outgoing
    pilot = Autopilot(c)
    start = {"direction": "di", "drafting_unit": "PDT", "recipient_organ_id": MINISTRY,
             "recipient_organ_name": "Văn phòng Chính phủ", "subject": "Báo cáo triển khai chữ ký số",
             "document_type": "bao_cao"}
    case_id = c.engine.start("QT74", start, pilot.person("clerk", "PDT")).id
    assert work_open_tasks(c, pilot, case_id) == "waiting"
    assert ours.deliver_outbox().sent == 1
    [remote] = ministry.list_received()
    package = ministry.get_edoc(remote)
    ministry.update_status(remote, "done")
    assert check_envelope(package, trusted_certs=[_pem(cert)]).status == "valid"
    header = read_package(package).header
    assert header.subject == "Báo cáo triển khai chữ ký số" and header.to[0].organ_id == MINISTRY
    [attachment] = read_package(package).attachments
    assert attachment.data.startswith(b"%PDF-") and attachment.data.count(b"/ByteRange") == 2  # leader + seal
    for code in codes:
        ministry.send_edoc(build_status(header, code, f"Trạng thái {code}", reporter=Organization(MINISTRY)),
                           message_type="status")
    assert ours.poll_inbox().received == len(codes)
    case = c.engine.case(case_id, pilot.auditor())
    assert case.status == "completed"
    events = c.engine.audit_events(case_id, pilot.auditor())
    assert sorted(e["payload"]["status_code"] for e in events if e["kind"] == "status_received") == codes
    told = [e["payload"]["params"]["to"] for e in events
            if e["kind"] == "service_called" and e["payload"]["task"] == "notify_outgoing_returned"]
    assert told == (["unit:PDT"] if drafter_told else [])
    assert c.engine.verify_audit(case_id).ok
