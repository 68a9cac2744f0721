"""Connection handling in engine/db.py: SQLite writers queue for the write lock by polling it
(SQLite's own busy handler sleeps up to 100 ms between tries), and PostgreSQL connections are
pinged only after sitting idle, dead ones being replaced before use."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from engine import db
from engine.db import make_engine

from ..conftest import PG_URL, on_postgres


@pytest.fixture
def sqlite_engine(tmp_path):  # type: ignore[no-untyped-def]
    eng = make_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    yield eng
    eng.dispose()


def test_a_sqlite_writer_waits_for_the_lock_and_goes_on_once_it_is_released(sqlite_engine):
    holding = threading.Event()

    def hold_lock() -> None:
        with sqlite_engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = n + 1"))
            holding.set()
            time.sleep(0.3)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert holding.wait(10)
    began = time.monotonic()
    with sqlite_engine.begin() as conn:  # queues behind the holder, then writes
        conn.execute(text("UPDATE counter SET n = n + 10"))
    waited = time.monotonic() - began
    holder.join()
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar() == 11
    assert 0.1 < waited < 5


def test_a_sqlite_writer_gives_up_after_the_wait_limit(sqlite_engine, monkeypatch):
    monkeypatch.setattr(db, "SQLITE_LOCK_WAIT_SECONDS", 0.2)
    release = threading.Event()
    holding = threading.Event()

    def hold_lock() -> None:
        with sqlite_engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = n + 1"))
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert holding.wait(10)
        with pytest.raises((sqlite3.OperationalError, OperationalError)) as refused, sqlite_engine.begin() as conn:
            conn.execute(text("UPDATE counter SET n = n + 10"))
        assert "locked" in str(refused.value)
    finally:
        release.set()
        holder.join()
    with sqlite_engine.begin() as conn:  # the connection that gave up works again (busy timeout restored)
        conn.execute(text("UPDATE counter SET n = n + 100"))
        assert conn.execute(text("SELECT n FROM counter")).scalar() == 101
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 200


@pytest.mark.postgres_only
@pytest.mark.skipif(not on_postgres(), reason="needs PostgreSQL (QUYTRINH_TEST_DATABASE_URL)")
def test_a_dead_idle_postgresql_connection_is_replaced_before_use(monkeypatch):
    eng = make_engine(PG_URL, pool_size=1)
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # the pooled connection now counts as idle
        with eng.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    finally:
        eng.dispose()
        admin.dispose()
