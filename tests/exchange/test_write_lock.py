"""A receiver that finds SQLite's write lock taken reads ahead instead of waiting, then stores all."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from app.exchange.models import ReceivedPackage
from app.exchange.write_lock import WriteLockProbe

from .test_exchange import official_letter


def _sqlite_path(container: Any) -> str:
    if container.db.dialect.name != "sqlite":
        pytest.skip("SQLite's file lock only")
    return container.db.url.database


def _stored(container: Any) -> int:
    with container.readers() as s:
        return s.scalar(select(func.count()).select_from(ReceivedPackage))


def test_the_probe_sees_another_writer_and_leaves_the_lock_free(container):
    path = _sqlite_path(container)
    probe = WriteLockProbe(container.db)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        assert probe.free()
        other.execute("BEGIN IMMEDIATE")  # would fail if the probe had kept the lock
        assert not probe.free()
        other.execute("ROLLBACK")
        assert probe.free()
    finally:
        other.close()
        probe.close()


def test_on_postgresql_the_probe_always_answers_free(container):
    if container.db.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (QUYTRINH_TEST_DATABASE_URL)")
    probe = WriteLockProbe(container.db)
    assert probe.free() and probe.free()


def test_while_another_writer_holds_the_lock_the_receiver_reads_ahead_then_stores_everything(
        container, exchange, ministry):
    path = _sqlite_path(container)
    for i in range(10):
        ministry.send_edoc(official_letter(str(400 + i)))
    exchange.store_batch, exchange.read_ahead, exchange.read_ahead_while_locked, exchange.fetch_ahead = 2, 0, 4, 1
    taken: list[str] = []
    take = exchange._take

    def counting_take(data: bytes, remote_id: str) -> Any:
        taken.append(remote_id)
        return take(data, remote_id)

    exchange._take = counting_take
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    reports: list[Any] = []
    receiving = threading.Thread(target=lambda: reports.append(exchange.poll_inbox()))
    try:
        receiving.start()
        deadline = time.monotonic() + 20
        while len(taken) < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
        # a group of 2 plus 4 read ahead while the lock is held; then it waits for the lock
        assert len(taken) == 6
        assert _stored(container) == 0
    finally:
        other.execute("ROLLBACK")
        other.close()
        receiving.join(timeout=60)
    report = reports[0]
    assert (report.received, report.duplicates, report.refused, report.errors) == (10, 0, 0, [])
    assert len(taken) == 10 and _stored(container) == 10
    assert exchange.client.list_received("edoc") == []
    exchange.close()
