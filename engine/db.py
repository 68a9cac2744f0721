"""Database plumbing shared by the engine and the application.

One declarative ``Base`` with a constraint naming convention (so Alembic migrations name
constraints the same way on SQLite and PostgreSQL), an engine factory that makes SQLite behave
as a serialising transactional store (``BEGIN IMMEDIATE``: concurrent writers queue instead of
failing half-way), and a ``transaction`` helper: every engine step commits once or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

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
    writes), non-ASCII text as is (Vietnamese stays readable and shorter than its escapes)."""
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
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            # Take the write lock up front: a step reads then writes, and a deferred
            # transaction would fail with SQLITE_BUSY at its first write instead of waiting.
            # Read-only sessions (see make_session_factory) read a WAL snapshot without queueing.
            readonly = conn.get_execution_options().get("quytrinh_readonly")
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, echo=echo, json_serializer=compact_json, pool_size=pool_size, max_overflow=pool_size,
                         pool_pre_ping=True)


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
