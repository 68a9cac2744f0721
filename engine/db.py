"""Database plumbing shared by the engine and the application.

One declarative ``Base`` with a constraint naming convention (so Alembic migrations name
constraints the same way on SQLite and PostgreSQL), an engine factory that makes SQLite behave
as a serialising transactional store (``BEGIN IMMEDIATE``: concurrent writers queue instead of
failing half-way), and a ``transaction`` helper: every engine step commits once or not at all.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import orjson
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def compact_json(value: object) -> str:
    """How JSON columns are written: no padding spaces (a case state is the biggest value a step
    writes), non-ASCII text as is (Vietnamese stays readable and shorter than its escapes).

    orjson writes it (a case state of ~13 KB in a fifth of the standard library's time), and its text
    is kept only when reading it back gives the value again: what orjson writes differently from the
    standard library (NaN and infinities as ``null``, datetimes, UUIDs, enums and dataclasses as
    strings or objects) or refuses (non-string keys, integers beyond 64 bits, lone surrogates) does
    not, and goes through :func:`json.dumps` as before, with its output or its error. What orjson keeps
    is the same JSON value; only a very small float may be spelt differently (``0.00001`` for ``1e-05``).
    """
    try:
        text = orjson.dumps(value)
        if orjson.loads(text) == value:
            return text.decode()
    except (TypeError, orjson.JSONEncodeError):
        pass
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    """Create a SQLAlchemy engine tuned for the engine's write pattern."""
    if is_sqlite(url):
        engine = create_engine(url, echo=echo, json_serializer=compact_json,
                               connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # Let SQLAlchemy emit BEGIN itself (pysqlite's own handling defers it).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(SQLITE_LOCK_WAIT_SECONDS * 1000)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            # Take the write lock up front: a step reads then writes, and a deferred
            # transaction would fail with SQLITE_BUSY at its first write instead of waiting.
            # Read-only sessions (see make_session_factory) read a WAL snapshot without queueing.
            if conn.get_execution_options().get("quytrinh_readonly"):
                conn.exec_driver_sql("BEGIN")
            else:
                begin_immediate(conn.connection.dbapi_connection)

        return engine
    engine = create_engine(url, echo=echo, json_serializer=compact_json, pool_size=pool_size,
                           max_overflow=pool_size)
    _ping_idle_connections(engine)
    return engine


#: How long a writer waits for SQLite's write lock before giving up ("database is locked").
SQLITE_LOCK_WAIT_SECONDS = 30.0
#: Longest pause between two tries for the write lock.
SQLITE_LOCK_POLL_SECONDS = 0.001


def begin_immediate(dbapi_conn: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE``, waiting for the write lock by polling it every millisecond at most.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between tries, so
    a writer that just missed the lock under steady load sleeps far longer than the holder keeps it (a
    step holds it for a few ms): HTTP completions had a p95 of 150 ms and a p99 near 700 ms on SQLite
    with four workers. Other statements keep the 30 s busy timeout set at connect.
    """
    try:
        dbapi_conn.execute("BEGIN IMMEDIATE")
        return
    except sqlite3.OperationalError as exc:
        if not _is_busy(exc):
            raise
    dbapi_conn.execute("PRAGMA busy_timeout=0")  # poll ourselves, no sleeping inside SQLite
    try:
        deadline = time.monotonic() + SQLITE_LOCK_WAIT_SECONDS
        pause = 0.0001
        while True:
            time.sleep(pause)
            try:
                dbapi_conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
            pause = min(pause * 2, SQLITE_LOCK_POLL_SECONDS)
    finally:
        dbapi_conn.execute(f"PRAGMA busy_timeout={int(SQLITE_LOCK_WAIT_SECONDS * 1000)}")


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


#: A pooled connection idle for longer than this is pinged before use (see _ping_idle_connections).
IDLE_PING_SECONDS = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle: ``pool_pre_ping`` pings on every
    checkout, a round trip that cost about a tenth of a step on PostgreSQL. A server restart or an
    idle timeout kills idle connections, which are still pinged (and replaced when dead); a connection
    used within the last ``IDLE_PING_SECONDS`` is trusted, so a restart fails at most the statements
    already in flight on busy connections, which SQLAlchemy then discards with the whole pool."""
    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["quytrinh_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        idle_since = record.info.get("quytrinh_idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return  # brand new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # noqa: BLE001 - any failure means: replace this connection
            raise DisconnectionError(f"idle connection is dead: {exc}") from exc


def make_session_factory(engine: Engine, *, readonly: bool = False) -> sessionmaker[Session]:
    """Sessions for steps (the default) or for reads that must not queue behind writers."""
    bind = engine.execution_options(quytrinh_readonly=True) if readonly else engine
    return sessionmaker(bind, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit at the end, roll back everything on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
