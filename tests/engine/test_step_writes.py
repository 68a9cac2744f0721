"""What a step writes, and how little it reads to do it.

A step derives the inbox from the READY user tasks it started with and ends with (no read of the
inbox), takes its version's forms, lanes and spec from a cache keyed by content hash (no read of
the version), and writes the step's audit events in one INSERT at the next flush. These tests pin
the behaviour those shortcuts must keep: parallel tasks stay offered, a boundary event cancels the
task it interrupts, events appended in a transaction are seen by its queries and vanish with a
rollback, and a plain step stays within a handful of statements.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from engine import SYSTEM, clock, transaction
from engine.models import AuditEvent, Case, HumanTask

PARALLEL_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_par"
    targetNamespace="https://quytrinh.test">
  <bpmn:process id="par_review" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="L_app" name="Người nộp"><bpmn:flowNodeRef>pay_fee</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="L_clerk" name="Chuyên viên">
        <bpmn:flowNodeRef>check_docs</bpmn:flowNodeRef><bpmn:flowNodeRef>escalate</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="L_lead" name="Lãnh đạo"><bpmn:flowNodeRef>approve</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:userTask id="check_docs" name="Kiểm tra hồ sơ"/>
    <bpmn:userTask id="pay_fee" name="Nộp lệ phí"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:userTask id="approve" name="Phê duyệt"/>
    <bpmn:boundaryEvent id="too_slow" attachedToRef="approve" cancelActivity="true">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="escalate" name="Xử lý quá hạn"/>
    <bpmn:endEvent id="end"/>
    <bpmn:endEvent id="end_late"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="check_docs"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="pay_fee"/>
    <bpmn:sequenceFlow id="f4" sourceRef="check_docs" targetRef="join"/>
    <bpmn:sequenceFlow id="f5" sourceRef="pay_fee" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="approve"/>
    <bpmn:sequenceFlow id="f7" sourceRef="approve" targetRef="end"/>
    <bpmn:sequenceFlow id="f8" sourceRef="too_slow" targetRef="escalate"/>
    <bpmn:sequenceFlow id="f9" sourceRef="escalate" targetRef="end_late"/>
  </bpmn:process>
</bpmn:definitions>
"""
PARALLEL_SETTINGS = {"code": "PAR", "name_vi": "Thử song song", "process_id": "par_review",
                     "lanes": {"Người nộp": {"role": "applicant", "unit": None},
                               "Chuyên viên": {"role": "clerk", "unit": "PDT"},
                               "Lãnh đạo": {"role": "leader", "unit": "BGH"}}}


@pytest.fixture
def parallel(container: Any, people: dict) -> Any:
    from engine.modeling import load_model, read_package

    files = {"par.bpmn": PARALLEL_BPMN.encode(),
             "settings.json": json.dumps(PARALLEL_SETTINGS, ensure_ascii=False).encode()}
    model = load_model(read_package(files), known_operators=container.registry.names())
    return container.engine.deploy(model, SYSTEM)


def open_ids(view: Any) -> dict[str, str]:
    return {t["bpmn_id"]: t["id"] for t in view.tasks if t["status"] in ("ready", "claimed")}


def row_status(container: Any, task_id: str) -> str:
    with transaction(container.sessions) as s:
        return s.get(HumanTask, task_id).status


def test_a_parallel_branch_stays_offered_while_the_other_is_completed(container, people, parallel):
    eng = container.engine
    started = eng.start("PAR", {}, people["sv1"])
    assert set(open_ids(started)) == {"check_docs", "pay_fee"}
    fee = open_ids(started)["pay_fee"]
    eng.claim(open_ids(started)["check_docs"], people["cv1"])

    after_fee = eng.complete(fee, {}, people["sv1"])
    # the step's answer lists the task left open by the other branch, as claimed by cv1
    assert [(t["bpmn_id"], t["status"], t["assignee"]) for t in after_fee.tasks] == [
        ("check_docs", "claimed", "cv1")]
    assert row_status(container, fee) == "completed"
    assert [t["bpmn_id"] for t in eng.inbox(people["cv1"]).items] == ["check_docs"]
    assert eng.inbox(people["sv1"]).total == 0

    after_docs = eng.complete(open_ids(after_fee)["check_docs"], {}, people["cv1"])
    assert list(open_ids(after_docs)) == ["approve"]
    assert [t["bpmn_id"] for t in eng.inbox(people["ld"]).items] == ["approve"]
    assert eng.inbox(people["cv1"]).total == 0


def test_a_boundary_timer_cancels_the_task_it_interrupts(container, people, parallel):
    eng = container.engine
    view = eng.start("PAR", {}, people["sv1"])
    view = eng.complete(open_ids(view)["pay_fee"], {}, people["sv1"])
    view = eng.complete(open_ids(view)["check_docs"], {}, people["cv1"])
    approve = open_ids(view)["approve"]
    clock.advance(timedelta(hours=2))
    assert eng.run_due_jobs() == 1
    assert row_status(container, approve) == "cancelled"
    assert eng.inbox(people["ld"]).total == 0
    late = eng.inbox(people["cv1"]).items
    assert [t["bpmn_id"] for t in late] == ["escalate"]
    done = eng.complete(late[0]["id"], {}, people["cv1"])
    assert done.status == "completed" and done.tasks == []
    statuses = {t["bpmn_id"]: t["status"] for t in eng.case(view.id, people["kt"]).tasks}
    assert statuses == {"pay_fee": "completed", "check_docs": "completed", "approve": "cancelled",
                        "escalate": "completed"}
    assert eng.verify_audit(view.id).ok


@contextmanager
def statements(container: Any) -> Iterator[list[str]]:
    seen: list[str] = []

    def log(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement.split()[0].upper())

    event.listen(container.db, "before_cursor_execute", log)
    try:
        yield seen
    finally:
        event.remove(container.db, "before_cursor_execute", log)


def test_a_sequential_step_reads_one_row_and_writes_four_statements(container, people, three):
    eng = container.engine
    eng.start("T3", {"subject": "làm nóng bộ nhớ đệm"}, people["sv1"])  # the version is cached from here on
    with statements(container) as started:
        case = eng.start("T3", {"subject": "Xin bảng điểm"}, people["sv1"])
    # the current version's id and hash; the case inserted (for its id), its task (a Core insert, at once),
    # then one flush for its event and its state
    assert [s for s in started if s not in ("BEGIN", "COMMIT")] == ["SELECT", "INSERT", "INSERT", "INSERT", "UPDATE"]
    answers = [({"note": "đủ"}, "sv1"), ({"valid": True, "score": 8}, "cv1"), ({"decision": "approve"}, "ld")]
    for data, who in answers:
        with statements(container) as step:
            case = eng.complete(open_ids(case)[next(iter(open_ids(case)))], data, people[who])
        sql = [s for s in step if s not in ("BEGIN", "COMMIT")]
        # task + case + version hash in one locked read; event(s), case, task; the next task if any
        assert sql[0] == "SELECT" and sql.count("SELECT") == 1, sql
        assert len(sql) <= 5, sql
    assert case.status == "completed"
    assert eng.verify_audit(case.id).ok


def test_events_appended_in_a_transaction_are_read_back_in_it_and_go_with_a_rollback(container, people, three):
    eng = container.engine
    case = eng.start("T3", {"subject": "x"}, people["sv1"])
    from engine import audit

    with transaction(container.sessions) as s:
        row = s.get(Case, case.id)
        audit.append(s, row, "note_added", "cv1", {"text": "một"})
        audit.append(s, row, "note_added", "cv1", {"text": "hai"})
        kinds = s.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq))
        assert list(kinds) == ["case_started", "note_added", "note_added"]

    with pytest.raises(RuntimeError), transaction(container.sessions) as s:
        audit.append(s, s.get(Case, case.id), "note_added", "cv1", {"text": "bỏ"})
        raise RuntimeError("the step fails after appending")

    eng.record(case.id, "note_added", {"text": "ba"}, people["cv1"])
    events = eng.audit_events(case.id, people["kt"])
    assert [(e["seq"], e["payload"].get("text")) for e in events] == [(1, None), (2, "một"), (3, "hai"), (4, "ba")]
    assert eng.verify_audit(case.id).ok


def incoming_document(n: int) -> dict[str, Any]:
    """The start data QT74 gets from a package received over the axis (app/exchange)."""
    return {"direction": "den", "document_id": f"000.00.00.H01,2026/11/25,{n}/UBND-VP",
            "sender_organ_id": "000.00.00.H01", "sender_organ_name": "Sở A", "subject": f"Văn bản {n}",
            "code_number": str(n), "code_notation": "UBND-VP", "document_type": "cong_van",
            "promulgation_date": "2026-11-25", "received_at": "2026-11-25T08:00:00+00:00", "urgency": "thuong",
            "due_date": "", "attachments": [{"file_name": "a.pdf", "file_id": "ab" * 32}],
            "envelope_signature": "valid: ok", "attachment_warnings": []}


def pending_jobs(container: Any, case_id: int) -> list[tuple[str, str | None, list | None, int, bool]]:
    from engine.models import Job

    with transaction(container.sessions) as s:
        rows = s.scalars(select(Job).where(Job.case_id == case_id, Job.status == "pending").order_by(Job.id))
        return [(j.kind, j.message_name, j.correlation, j.attempts, j.created_at is not None and j.done_at is None)
                for j in rows]


def test_a_start_waiting_on_messages_and_a_timer_looks_once_for_messages_and_writes_its_jobs_at_once(
        container, people):
    from .conftest import PROCESSES, deploy

    deploy(container, PROCESSES / "QT74")
    eng = container.engine
    eng.start("QT74", incoming_document(0), people["po"])  # the version is cached from here on
    with statements(container) as seen:
        case = eng.start("QT74", incoming_document(1), people["po"])
    assert list(open_ids(case)) == ["vt_register"]
    # the version; the case inserted (for its id); one look for a message either receiver could take;
    # its task and its three jobs in one INSERT each (Core, at once; none to supersede); then one flush
    # for the case's events and its state
    assert [s for s in seen if s not in ("BEGIN", "COMMIT")] == [
        "SELECT", "INSERT", "SELECT", "INSERT", "INSERT", "INSERT", "UPDATE"]
    keys = [str(case.id)]
    assert pending_jobs(container, case.id) == [
        ("timer", None, None, 0, True), ("receive", "axis_recall", keys, 0, True),
        ("receive", "axis_document_changed", keys, 0, True)]
    # the next step starts from a state that waited on events: it supersedes all three (the timer's
    # task is done) and writes the receivers again
    eng.complete(open_ids(case)["vt_register"], {"authentic_and_complete": True, "incoming_number": 7,
                                                 "registered_at": "2026-11-25T09:00:00+07:00"}, SYSTEM)
    assert pending_jobs(container, case.id) == [
        ("receive", "axis_recall", keys, 0, True), ("receive", "axis_document_changed", keys, 0, True)]
    with transaction(container.sessions) as s:
        from engine.models import Job

        statuses = [j.status for j in s.scalars(select(Job).where(Job.case_id == case.id).order_by(Job.id))]
    assert statuses == ["superseded"] * 3 + ["pending"] * 2


def test_a_message_sent_before_the_case_waits_for_it_is_delivered_by_the_step_that_makes_it_wait(
        container, people):
    """The inbox look-up that finds nothing cheaply must still find a message that came early."""
    from .conftest import PROCESSES, deploy

    deploy(container, PROCESSES / "QT74")
    eng = container.engine
    first = eng.start("QT74", incoming_document(1), people["po"])
    nxt = first.id + 1  # the id the next case gets
    early = eng.send_message("axis_document_changed", str(nxt), {"change": "revoke", "reason": "nhầm"})
    assert early["status"] == "pending"
    case = eng.start("QT74", incoming_document(2), people["po"])
    assert case.id == nxt
    kinds = [e["kind"] for e in eng.audit_events(case.id, people["kt"])]
    assert "message_received" in kinds
    with transaction(container.sessions) as s:
        from engine.models import InboxMessage

        msg = s.get(InboxMessage, early["id"])
        assert (msg.status, msg.case_id) == ("delivered", case.id)
    assert eng.verify_audit(case.id).ok
