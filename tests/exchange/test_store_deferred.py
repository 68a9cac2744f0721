"""A run of received documents written with its rows deferred (one executemany per table) stores exactly
what the same run wrote with every row inserted at once: every table, row for row, value for value.

The clock is frozen and SpiffWorkflow's task ids are made deterministic, so two runs of the same packages
on the same fresh database are comparable byte for byte, hashes of the audit chains included.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text

import app.exchange.service as service
from app.schema import metadata
from connectors.edxml import (
    Code,
    MessageHeader,
    Organization,
    PromulgationInfo,
    build_document,
    describe_receipt,
    make_attachment,
)
from engine import SYSTEM, clock
from engine.modeling import load_model, read_package
from engine.models import CaseDocument, Document, HumanTask, Job

from .conftest import MINISTRY, PROCESSES, US

VERDICT = {"checked": True, "signed": True, "ok": True, "indication": "PASSED", "policy": "lenient",
           "offline": True, "reason": "Chữ ký số hợp lệ / signatures valid", "signatures": []}


def _letter(number: int, attachments: list[tuple[str, bytes]]) -> bytes:
    header = MessageHeader(
        from_=Organization(MINISTRY, "Văn phòng Chính phủ"), to=(Organization(US, "Trường Đại học Cần Thơ"),),
        code=Code(str(number), "VPCP-KGVX"), promulgation=PromulgationInfo("Hà Nội", date(2026, 11, 20)),
        subject=f"Văn bản số {number}")
    return build_document(header, [make_attachment(name, data) for name, data in attachments])


def _pdf(n: int) -> bytes:
    return b"%PDF-1.4\n% letter " + str(n).encode() + b"\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"


def _bodies() -> list[bytes]:
    """Distinct letters, two carrying the very same PDF (one document row, two links), one with two
    attachments and one attachment that is not a PDF."""
    return [_letter(1, [("a.pdf", _pdf(1))]), _letter(2, [("b.pdf", _pdf(2)), ("phu-luc.txt", b"phu luc")]),
            _letter(3, [("c.pdf", _pdf(1))]), _letter(4, [("d.pdf", _pdf(4))]), _letter(5, [("e.pdf", _pdf(5))])]


NOW = datetime(2026, 11, 21, 8, 30, tzinfo=UTC)


class _FixedTime:
    """What SpiffWorkflow's task module sees as ``time``: a task's last state change at a fixed moment."""

    @staticmethod
    def time() -> float:
        return NOW.timestamp()


class _FixedDatetime(datetime):
    """What SpiffWorkflow's timers see as ``datetime``: a timer's due time counted from a fixed moment."""

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return NOW.astimezone(tz)


@contextlib.contextmanager
def _deterministic_tasks() -> Iterator[None]:
    """SpiffWorkflow's task ids counted from 1, its state-change times and its clock for timers fixed
    (all go into the state or the job rows)."""
    import SpiffWorkflow.bpmn.specs.event_definitions.timer as spiff_timer
    import SpiffWorkflow.task as spiff_task

    counter = itertools.count(1)
    saved = spiff_task.uuid4, spiff_task.time, spiff_timer.datetime
    spiff_task.uuid4, spiff_task.time = (lambda: uuid.UUID(int=next(counter))), _FixedTime
    spiff_timer.datetime = _FixedDatetime
    try:
        yield
    finally:
        spiff_task.uuid4, spiff_task.time, spiff_timer.datetime = saved


def _empty_and_deploy(container: Any) -> None:
    """Every table emptied, ids counting from 1 again, QT74 deployed (the same rows each time)."""
    with container.db.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
                              + " RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
            if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
                conn.execute(text("DELETE FROM sqlite_sequence"))
    container.engine.deploy(load_model(read_package(PROCESSES / "QT74"), known_operators=container.registry.names()),
                            SYSTEM)


def _dump(container: Any) -> dict[str, list[tuple]]:
    with container.db.connect() as conn:
        return {t.name: [tuple(row) for row in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in metadata.sorted_tables}


def _store_run(container: Any, exchange: Any, bodies: list[bytes], *,
               deferred: bool) -> tuple[list[str] | None, dict[str, list[tuple]]]:
    _empty_and_deploy(container)
    exchange.validator = lambda name, data: dict(VERDICT)
    # the status 01 package carries the time it is written (not the engine's clock): fixed here
    exchange._arrived_status = lambda package: f"<status01 for='{package.header.document_id}'/>".encode()
    with _deterministic_tasks():
        items = [exchange._take(body, f"r{i}") for i, body in enumerate(bodies)]
        receipts = [describe_receipt(i.data, i.package, i.signature, i.verdicts, sha256=i.digest) for i in items]
        saved = service.deferred_inserts
        if not deferred:
            service.deferred_inserts = lambda session: contextlib.nullcontext()
        try:
            outcomes = exchange._store_new_documents(items, receipts)
        finally:
            service.deferred_inserts = saved
    return outcomes, _dump(container)


def test_a_deferred_run_stores_every_row_as_the_run_inserting_at_once_did(container, exchange):
    clock.freeze(NOW)
    bodies = _bodies()  # built once: a package carries the time it was written
    outcomes, deferred = _store_run(container, exchange, bodies, deferred=True)
    assert outcomes == ["started"] * 5
    again, direct = _store_run(container, exchange, bodies, deferred=False)
    assert again == outcomes
    assert deferred.keys() == direct.keys()
    for table in deferred:
        assert deferred[table] == direct[table], table
    assert len(deferred["human_task"]) == 5 and len(deferred["case_document"]) == 6
    assert len(deferred["document"]) == 4 + 1 + 5  # 4 distinct PDFs, the text file, 5 status bodies
    for case_id in {row[0] for row in deferred["case"]}:
        assert container.engine.verify_audit(case_id).ok


def _counts(container: Any) -> tuple[int, ...]:
    with container.sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Document, CaseDocument, HumanTask, Job))


@pytest.mark.parametrize("failing", [0, 2, 4])
def test_a_run_that_fails_leaves_none_of_its_deferred_rows(container, exchange, failing):
    """A document already stored inside the run: the run rolls back whole (the rows it deferred are
    neither written nor left for the next transaction), and returns None for the one-by-one path."""
    _empty_and_deploy(container)
    bodies = _bodies()
    exchange.validator = lambda name, data: dict(VERDICT)
    assert exchange.accept(bodies[failing], "earlier") == "started"
    before = _counts(container)
    items = [exchange._take(body, f"r{i}") for i, body in enumerate(bodies)]
    for item in items:
        item.outcome = None  # as if the earlier store committed after the duplicate check
    receipts = [describe_receipt(i.data, i.package, i.signature, i.verdicts, sha256=i.digest) for i in items]
    assert exchange._store_new_documents(items, receipts) is None
    assert _counts(container) == before
    with container.sessions() as s:
        assert s.info.get("quytrinh_deferred_inserts") is None
