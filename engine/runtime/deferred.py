"""Rows written later, together: one ``executemany`` per statement for a run of steps in one transaction.

A receiver stores a run of up to 16 received documents in one transaction, each starting its case:
every start inserted its human task, its timer job, two document rows and a case_document link,
each as a statement of its own (~60-100 us of SQLAlchemy per execution, most of it paid again per
statement, not per row). Inside :func:`deferred_inserts` those rows are kept in order and written as
one ``executemany`` per statement just before anything could see them missing: a statement on the
transaction's connection that reads or writes one of their tables (or a table linked to one by a
foreign key), any ORM statement or flush, the block's end (the commit); what is read in the
transaction sees them, as it saw them before (``text()`` counts as reading everything; only SQL
strings handed to the driver with ``exec_driver_sql``, which the engine never runs inside such a block,
are not watched). Statements that cannot see them (the case's INSERT, the pending-message look-up,
the outbox row) leave them kept.

Only rows nobody needs back go this way: their ids are their own (UUIDs, digests) or never asked for.
Rows are the same dicts, with every value computed when they are handed in (a ``created_at`` is
the time of the step, not of the write); statements run in the order first used, so a document's
row still precedes the case_document that refers to it. Outside the block everything is executed at
once, as before. An error of a deferred row (a constraint) surfaces at the write, inside the same
transaction, which the caller rolls back whole either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Delete, Table, Update, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.util import find_tables

_PENDING = "quytrinh_deferred_inserts"


@contextmanager
def deferred_inserts(session: Session) -> Iterator[None]:
    """Collect the rows :func:`insert_rows` gets inside the block; write them at the next flush or at
    the block's end. On an error the rows not yet written are dropped (the transaction rolls back)."""
    if _PENDING in session.info:  # already inside such a block: that one writes them
        yield
        return
    session.info[_PENDING] = {}
    connection = session.connection()
    guard = _Guard(session)
    event.listen(connection, "before_execute", guard)
    try:
        yield
        write_deferred(session)
    finally:
        session.info.pop(_PENDING, None)
        event.remove(connection, "before_execute", guard)


class _Guard:
    """Writes the kept rows before a statement on the connection that may see their tables."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.tables: dict[Any, frozenset[str] | None] = {}  # by statement (most are built once)

    def __call__(self, _conn: Connection, statement: Any, *_args: Any) -> None:
        pending = self.session.info.get(_PENDING)
        if not pending:
            return
        touched = self.tables.get(statement, ()) if isinstance(statement, ClauseElement) else None
        if touched == ():
            touched = self.tables[statement] = _tables_seen(statement)
        if touched is None or not touched.isdisjoint(_target(s) for s in pending):
            write_deferred(self.session)


def _target(statement: Any) -> str:
    return statement.table.name


def _tables_seen(statement: ClauseElement) -> frozenset[str] | None:
    """The tables a statement reads or writes, with the tables its writes check by foreign key: the
    parents of a written row, and for an UPDATE or DELETE also the rows that refer to the changed ones.
    None when that cannot be told (then it is taken to see everything)."""
    try:
        tables = [t for t in find_tables(statement, include_crud=True, include_aliases=True, include_joins=True)
                  if isinstance(t, Table)]
    except Exception:  # noqa: BLE001 - an unusual construct: assume it sees everything
        return None
    if not tables:
        return None
    changes_rows = isinstance(statement, Update | Delete)
    names = set()
    for table in tables:
        names.add(table.name)
        names.update(fk.column.table.name for fk in table.foreign_keys)
        if changes_rows:
            names.update(other.name for other in table.metadata.tables.values()
                         if any(fk.column.table is table for fk in other.foreign_keys))
    return frozenset(names)


def insert_rows(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    """Execute ``statement`` for ``rows`` now, or inside :func:`deferred_inserts` keep them for its write."""
    pending: dict[Any, list[dict[str, Any]]] | None = session.info.get(_PENDING)
    if pending is None:
        session.connection().execute(statement, rows[0] if len(rows) == 1 else rows)
    else:
        pending.setdefault(statement, []).extend(rows)


def write_deferred(session: Session) -> None:
    """Write the rows kept so far: one execution per statement, statements in the order first used."""
    pending: dict[Any, list[dict[str, Any]]] | None = session.info.get(_PENDING)
    if not pending:
        return
    session.info[_PENDING] = {}
    connection = session.connection()
    for statement, rows in pending.items():
        connection.execute(statement, rows[0] if len(rows) == 1 else rows)


@event.listens_for(Session, "before_flush")
def _write_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    write_deferred(session)


@event.listens_for(Session, "do_orm_execute")
def _write_before_orm_statement(state: Any) -> None:
    """Any ORM statement (a query, ``session.get``, an ORM update) sees the kept rows, even when the
    session has nothing to flush (``before_flush`` then does not run)."""
    write_deferred(state.session)
