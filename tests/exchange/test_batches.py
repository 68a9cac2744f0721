"""Sending and receiving in batches: one transaction for several packages, same outcomes as one by one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.autopilot import Autopilot
from connectors.axis import AxisUnavailable
from engine.models import Outbox

from .test_exchange import official_letter


def _queue_replies(exchange: Any, count: int) -> None:
    """``count`` received letters, each leaving a status 01 (with its case) in the outbox."""
    for i in range(count):
        assert exchange.accept(official_letter(str(100 + i)), f"r{i}") == "started"


def _outbox(container: Any) -> list[Outbox]:
    with container.sessions() as s:
        return list(s.scalars(select(Outbox).order_by(Outbox.id)))


def _sent_events(container: Any) -> dict[int, list[dict]]:
    auditor = Autopilot(container).auditor()
    by_case = {}
    for row in _outbox(container):
        events = container.engine.audit_events(row.case_id, auditor)
        by_case[row.case_id] = [e["payload"] for e in events if e["kind"] == "package_sent"]
    return by_case


def test_a_failed_send_in_a_batch_is_recorded_and_the_others_are_sent(container, exchange, ministry):
    _queue_replies(exchange, 5)
    exchange.send_batch = 2
    calls = {"n": 0}
    send = exchange.client.send_edoc

    def third_fails(package: bytes, message_type: str = "edoc") -> str:
        calls["n"] += 1
        if calls["n"] == 3:
            raise AxisUnavailable("axis_unavailable", "Trục không trả lời.", "The axis does not answer.")
        return send(package, message_type=message_type)

    exchange.client.send_edoc = third_fails
    report = exchange.deliver_outbox()
    assert (report.sent, len(report.errors)) == (4, 1) and calls["n"] == 5
    rows = _outbox(container)
    assert [r.status for r in rows] == ["sent", "sent", "pending", "sent", "sent"]
    assert [r.attempts for r in rows] == [1, 1, 1, 1, 1]
    failed = rows[2]
    assert "does not answer" in failed.last_error and failed.remote_ref in (None, "")
    assert failed.next_attempt_at > failed.created_at
    events = _sent_events(container)
    for row in rows:
        expected = [] if row is failed else [row.remote_ref]
        assert [e["remote_id"] for e in events[row.case_id]] == expected
        assert container.engine.verify_audit(row.case_id).ok
    assert len(ministry.list_received("status")) == 4


def test_an_interrupted_batch_is_rolled_back_and_sent_again_without_duplicates(container, exchange, ministry):
    _queue_replies(exchange, 3)
    send = exchange.client.send_edoc
    calls = {"n": 0}

    def dies_on_the_second(package: bytes, message_type: str = "edoc") -> str:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed between two sends")
        return send(package, message_type=message_type)

    exchange.client.send_edoc = dies_on_the_second
    with pytest.raises(RuntimeError):
        exchange.deliver_outbox()
    rows = _outbox(container)
    assert [(r.status, r.attempts) for r in rows] == [("pending", 0)] * 3, "nothing of the batch was kept"
    assert all(events == [] for events in _sent_events(container).values())
    assert len(ministry.list_received("status")) == 1, "the first package had reached the axis"

    exchange.client.send_edoc = send
    assert exchange.deliver_outbox().sent == 3
    waiting = ministry.list_received("status")
    assert len(waiting) == 3, "the re-sent first package kept its DocId: listed once"
    rows = _outbox(container)
    assert sorted(r.remote_ref for r in rows) == sorted(waiting)
    assert all(len(events) == 1 for events in _sent_events(container).values())


def test_on_sqlite_sending_holds_no_write_lock_and_a_row_sent_meanwhile_is_not_marked_twice(container, exchange,
                                                                                             ministry):
    """While the axis takes its time, web requests and case steps must still write; a row another worker
    sent in the meantime keeps that worker's DocId and gets one ``package_sent`` event."""
    from tests.conftest import on_postgres

    if on_postgres():
        pytest.skip("PostgreSQL locks the batch's rows, not the database")
    import sqlite3

    _queue_replies(exchange, 2)
    path = container.db.url.database
    send = exchange.client.send_edoc
    writes: list[str] = []

    def send_while_others_write(package: bytes, message_type: str = "edoc") -> str:
        other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails with 'database is locked' if the sender held the lock
            if not writes:  # another worker sends and marks the first row while this one is still sending
                remote = send(package, message_type=message_type)
                other.execute("UPDATE outbox SET status = 'sent', remote_ref = ?, attempts = 1 WHERE id = "
                              "(SELECT min(id) FROM outbox)", (remote,))
            other.execute("COMMIT")
            writes.append("ok")
        finally:
            other.close()
        return send(package, message_type=message_type)

    exchange.client.send_edoc = send_while_others_write
    report = exchange.deliver_outbox()
    assert writes == ["ok", "ok"]
    assert report.sent == 1, "the row the other worker marked is not counted or marked again"
    rows = _outbox(container)
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1), ("sent", 1)]
    assert len(ministry.list_received("status")) == 2, "the re-send kept its DocId"
    events = _sent_events(container)
    assert [len(events[r.case_id]) for r in rows] == [0, 1]


def _commits(container: Any) -> list[str]:
    """COMMITs the container's database sees (collected until the returned list is dropped)."""
    from sqlalchemy import event

    seen: list[str] = []

    @event.listens_for(container.db, "commit")
    def _on_commit(_conn: Any) -> None:
        seen.append("COMMIT")

    return seen


def _received(container: Any) -> list[tuple[str, str, int | None]]:
    from app.exchange.models import ReceivedPackage

    with container.sessions() as s:
        return [(r.document_id, r.outcome, r.case_id)
                for r in s.scalars(select(ReceivedPackage).order_by(ReceivedPackage.id))]


def test_new_documents_received_together_are_stored_in_one_transaction_each_with_its_case(container, exchange,
                                                                                          ministry):
    for i in range(6):
        ministry.send_edoc(official_letter(str(200 + i)))
    exchange.store_batch, exchange.read_ahead = 4, 0
    commits = _commits(container)
    report = exchange.poll_inbox()
    assert (report.received, report.duplicates, report.refused, report.errors) == (6, 0, 0, [])
    rows = _received(container)
    assert [r[1] for r in rows] == ["stored"] * 6 and len({r[2] for r in rows}) == 6
    assert len(commits) == 2, "a run of four, then a run of two: one commit each"
    assert exchange.client.list_received("edoc") == []
    for _, _, case_id in rows:
        assert container.engine.verify_audit(case_id).ok
        assert [t["bpmn_id"] for t in container.engine.case(case_id, Autopilot(container).auditor()).tasks] == [
            "vt_register"]


def test_a_run_that_fails_is_rolled_back_whole_and_each_document_gets_its_own_outcome(container, exchange,
                                                                                      ministry):
    """A document already stored (a redelivery whose first acknowledgement was lost) inside a run: the
    run's transaction hits the unique key, nothing of it stays, and one by one the others start their
    cases and the redelivery is answered as a duplicate."""
    first = official_letter("300")
    assert exchange.accept(first, "earlier") == "started"
    ministry.send_edoc(official_letter("301"))
    ministry.send_edoc(first)
    ministry.send_edoc(official_letter("302"))
    exchange.store_batch, exchange.read_ahead = 3, 0
    exchange._already_received = lambda package: False  # as if the first store committed after the check
    commits = _commits(container)
    report = exchange.poll_inbox()
    assert (report.received, report.duplicates, report.refused) == (2, 1, 0)
    rows = _received(container)
    assert [r[1] for r in rows] == ["stored"] * 3 and len({r[2] for r in rows}) == 3
    assert len(commits) == 2, "the run's transaction rolled back; the two new documents committed alone"
    assert exchange.client.list_received("edoc") == []
    assert all(container.engine.verify_audit(case_id).ok for _, _, case_id in rows)
