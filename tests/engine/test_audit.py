"""The audit chain names the first event that was altered or removed."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from engine.models import AuditEvent

from .test_cases import only_task


def _run_case(container, people):
    eng = container.engine
    case = eng.start("T3", {"subject": "kiểm toán"}, people["sv1"])
    eng.complete(only_task(eng, people["sv1"])["id"], {"note": "a"}, people["sv1"])
    eng.complete(only_task(eng, people["cv1"])["id"], {"valid": True}, people["cv1"])
    return case.id


def test_untouched_chain_verifies(container, people, three):
    case_id = _run_case(container, people)
    report = container.engine.verify_audit(case_id)
    assert report.ok and report.events == 3


def test_altered_payload_is_named(container, people, three):
    case_id = _run_case(container, people)
    with container.sessions.begin() as s:
        s.execute(update(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == 2)
                  .values(payload={"task": "supplement", "data": {"note": "đã sửa"}}))
    report = container.engine.verify_audit(case_id)
    assert not report.ok and report.first_bad_seq == 2 and "altered" in report.reason


def test_removed_event_is_named(container, people, three):
    case_id = _run_case(container, people)
    with container.sessions.begin() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == 2))
    report = container.engine.verify_audit(case_id)
    assert not report.ok and report.first_bad_seq == 2


def test_removed_last_event_is_named(container, people, three):
    case_id = _run_case(container, people)
    with container.sessions.begin() as s:
        last = s.scalar(select(AuditEvent.seq).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq.desc()))
        s.execute(delete(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == last))
    report = container.engine.verify_audit(case_id)
    assert not report.ok and report.first_bad_seq == last
