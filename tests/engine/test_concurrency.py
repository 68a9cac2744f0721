"""Real parallel connections: racing clerks and many workers draining due timers."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import Conflict, ProcessEngine, clock
from engine.models import AuditEvent, Job

from .conftest import MODELS, deploy
from .test_cases import only_task


def test_two_clerks_completing_one_task_at_once_exactly_one_wins(container, people, three):
    eng = container.engine
    eng.start("T3", {"subject": "đua"}, people["sv1"])
    eng.complete(only_task(eng, people["sv1"])["id"], {}, people["sv1"])
    task_id = only_task(eng, people["cv1"])["id"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def clerk(actor):
        barrier.wait()
        try:
            eng.complete(task_id, {"valid": True}, actor)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=clerk, args=(people[name],)) for name in ("cv1", "cv2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert len(eng.inbox(people["ld"]).items) == 1  # the case advanced once


@pytest.mark.postgres_only
def test_twenty_workers_drain_a_thousand_timers_each_fired_once(container, people):
    deploy(container, MODELS / "waits")
    eng = container.engine
    n_cases = 1000
    for _ in range(n_cases):
        eng.start("WAIT", {}, people["sv1"])
    clock.advance(timedelta(days=3))
    errors: list[BaseException] = []

    def work():
        worker = ProcessEngine(container.sessions, container.registry)
        try:
            while worker.run_due_jobs(limit=25):
                pass
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with container.sessions() as s:
        fired = Counter(s.scalars(select(AuditEvent.case_id).where(AuditEvent.kind == "timer_fired")))
        pending = s.scalar(select(func.count()).select_from(Job).where(Job.kind == "timer", Job.status == "pending"))
    assert len(fired) == n_cases and set(fired.values()) == {1}
    assert pending == 0
