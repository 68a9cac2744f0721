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


def test_deployments_go_to_the_system_trail_which_detects_tampering(container, people, three):
    from engine.models import SystemEvent

    eng = container.engine
    events = eng.system_events(people["kt"])
    assert [e["kind"] for e in events] == ["model_deployed"] and events[0]["payload"]["code"] == "T3"
    eng.record_system("trust_anchor_added", {"sha256": "ab" * 32}, people["po"])
    assert eng.verify_system_audit().ok
    with container.sessions.begin() as s:
        s.execute(update(SystemEvent).where(SystemEvent.seq == 1).values(actor="intruder"))
    report = eng.verify_system_audit()
    assert not report.ok and report.first_bad_seq == 1
