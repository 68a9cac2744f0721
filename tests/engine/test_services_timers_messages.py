"""Service tasks, incidents and retries; timers fired by the worker; the durable message inbox."""

from __future__ import annotations

from datetime import timedelta

from engine import clock

from .conftest import MODELS, deploy


def test_failing_operator_opens_an_incident_that_an_operator_retries(container, people, flaky):
    deploy(container, MODELS / "services")
    eng = container.engine
    flaky.failures = 5  # more than the model's two automatic retries
    case = eng.start("SVC", {"subject": "abc"}, people["sv1"])
    assert case.status == "incident"
    [incident] = eng.incidents(people["po"])
    assert incident.bpmn_id == "flaky_call" and incident.operator == "flaky"
    assert "tạm thời" in incident.error
    shown = eng.case(case.id, people["kt"])
    assert shown.incidents[0]["status"] == "open"
    flaky.failures = 0
    out = eng.retry_incident(incident.id, people["po"])
    assert out["case_status"] == "completed"
    done = eng.case(case.id, people["kt"])
    assert done.data["flaky_result"]["echo"] == "abc" and done.data["total"] == 6
    kinds = [e["kind"] for e in eng.audit_events(case.id, people["kt"])]
    assert kinds.count("incident") == 1 and "service_retried" in kinds and "service_called" in kinds
    assert eng.incidents(people["po"]) == []


def test_retries_with_backoff_where_the_model_says_so(container, people, flaky):
    deploy(container, MODELS / "services")
    eng = container.engine
    flaky.failures = 2  # the model allows 2 retries with backoff base 2 (2 s, then 4 s)
    clock.freeze()  # only clock.advance moves time here, however slow the machine
    case = eng.start("SVC", {"subject": "xy"}, people["sv1"])
    assert case.status == "incident"
    assert eng.run_due_jobs() == 0  # the first retry is not due yet
    clock.advance(timedelta(seconds=3))
    assert eng.run_due_jobs() == 1
    assert eng.case(case.id, people["kt"]).status == "incident"
    clock.advance(timedelta(seconds=3))
    assert eng.run_due_jobs() == 0  # second backoff is 4 s
    clock.advance(timedelta(seconds=2))
    assert eng.run_due_jobs() == 1
    assert eng.case(case.id, people["kt"]).status == "completed"
    assert flaky.calls == 3


def test_timer_fires_only_when_due_and_message_waits_for_its_receiver(container, people):
    deploy(container, MODELS / "waits")
    eng = container.engine
    clock.freeze()
    case = eng.start("WAIT", {}, people["sv1"])
    # The payment arrives before the case waits for it: it is kept, not dropped.
    early = eng.send_message("payment_confirmed", str(case.id), {"amount_vnd": 5000})
    assert early["status"] == "pending"
    assert eng.run_due_jobs() == 0
    clock.advance(timedelta(days=1))
    assert eng.run_due_jobs() == 0
    clock.advance(timedelta(days=1, minutes=1))
    assert eng.run_due_jobs() == 1
    done = eng.case(case.id, people["kt"])
    assert done.status == "completed" and done.data["amount_vnd"] == 5000
    kinds = [e["kind"] for e in eng.audit_events(case.id, people["kt"])]
    assert kinds == ["case_started", "timer_fired", "message_received", "case_completed"]


def test_message_for_a_waiting_receiver_is_delivered_at_once_and_others_are_not_touched(container, people):
    deploy(container, MODELS / "waits")
    eng = container.engine
    a = eng.start("WAIT", {}, people["sv1"])
    b = eng.start("WAIT", {}, people["sv2"])
    clock.advance(timedelta(days=3))
    assert eng.run_due_jobs() == 2
    out = eng.send_message("payment_confirmed", str(b.id), {"paid": True})
    assert out == {"id": out["id"], "status": "delivered", "case_id": b.id}
    assert eng.case(b.id, people["kt"]).status == "completed"
    assert eng.case(a.id, people["kt"]).status == "waiting"


def test_expired_message_is_not_delivered(container, people):
    deploy(container, MODELS / "waits")
    eng = container.engine
    case = eng.start("WAIT", {}, people["sv1"])
    eng.send_message("payment_confirmed", str(case.id), {}, ttl=timedelta(hours=1))
    clock.advance(timedelta(days=3))
    eng.run_due_jobs()
    assert eng.case(case.id, people["kt"]).status == "waiting"


def test_a_script_stopped_by_the_sandbox_is_an_incident_not_a_crash(container, people):
    deploy(container, MODELS / "endless")
    eng = container.engine
    case = eng.start("LOOP", {}, people["sv1"])  # returns: the endless loop is cut by the time budget
    assert case.status == "incident"
    [incident] = case.incidents
    assert incident["error_code"] == "script_blocked" and incident["bpmn_id"] == "spin"
    kinds = [e["kind"] for e in eng.audit_events(case.id, people["kt"])]
    assert kinds == ["case_started", "script_blocked"]
    assert eng.verify_audit(case.id).ok
    assert eng.run_due_jobs() == 0  # nothing scheduled to re-run a blocked script by itself
