"""Rows kept by ``deferred_inserts`` are written before anything reads through the session, at the block's
end, and never after an error."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine import SYSTEM, transaction
from engine.models import CaseDocument, Document
from engine.runtime import cases as case_ops
from engine.runtime.deferred import deferred_inserts
from engine.runtime.outputs import store_document


def _count(s, model) -> int:  # type: ignore[no-untyped-def]
    return s.scalar(sa.select(sa.func.count()).select_from(model))


def test_an_orm_query_get_or_flush_inside_the_block_sees_the_kept_rows(container, three):
    with transaction(container.sessions) as s, deferred_inserts(s):
        case_id = case_ops.start_case_step(s, container.registry, "T3", {"subject": "một"}, SYSTEM).case.id
        digest = store_document(s, case_id, b"noi dung 1", "1.txt", "text/plain")
        assert s.get(Document, digest).content == b"noi dung 1"  # session.get, nothing to flush first
        store_document(s, case_id, b"noi dung 2", "2.txt", "text/plain")
        assert _count(s, CaseDocument) == 2  # an ORM query
        store_document(s, case_id, b"noi dung 3", "3.txt", "text/plain")
        s.flush()  # nothing of the ORM's to flush: the Core read below still sees the kept rows
        core_count = sa.select(sa.func.count()).select_from(Document.__table__)
        assert s.connection().execute(core_count).scalar() == 3
        store_document(s, case_id, b"noi dung 3b", "3b.txt", "text/plain")
        assert s.connection().execute(sa.text("SELECT count(*) FROM case_document")).scalar() == 4  # text()
        store_document(s, case_id, b"noi dung 4", "4.txt", "text/plain")
    with container.sessions() as s:  # the last one was written at the block's end
        assert [d.name for d in s.scalars(sa.select(CaseDocument).order_by(CaseDocument.id))] == [
            "1.txt", "2.txt", "3.txt", "3b.txt", "4.txt"]


def test_rows_kept_when_the_block_fails_are_not_written_by_a_later_transaction(container, three):
    with pytest.raises(RuntimeError), transaction(container.sessions) as s, deferred_inserts(s):
        case_id = case_ops.start_case_step(s, container.registry, "T3", {"subject": "một"}, SYSTEM).case.id
        store_document(s, case_id, b"khong luu", "x.txt", "text/plain")
        raise RuntimeError("boom")
    with transaction(container.sessions) as s:
        case_ops.start_case_step(s, container.registry, "T3", {"subject": "hai"}, SYSTEM)
        s.flush()
    with container.sessions() as s:
        assert (_count(s, Document), _count(s, CaseDocument)) == (0, 0)


def test_statements_that_cannot_see_the_kept_rows_leave_them_kept(container, three):
    """The case INSERT and the pending-message look-up of the next start do not write them: a run's
    rows go out together."""
    with transaction(container.sessions) as s, deferred_inserts(s):
        first = case_ops.start_case_step(s, container.registry, "T3", {"subject": "một"}, SYSTEM).case.id
        store_document(s, first, b"mot", "1.txt", "text/plain")
        second = case_ops.start_case_step(s, container.registry, "T3", {"subject": "hai"}, SYSTEM).case.id
        store_document(s, second, b"hai", "2.txt", "text/plain")
        kept = s.info["quytrinh_deferred_inserts"]
        assert [len(rows) for rows in kept.values()] == [2, 2, 2]  # human tasks, documents, links
    with container.sessions() as s:
        assert (_count(s, Document), _count(s, CaseDocument)) == (2, 2)


def test_a_block_inside_a_block_leaves_the_writing_to_the_outer_one(container, three):
    with transaction(container.sessions) as s, deferred_inserts(s):
        case_id = case_ops.start_case_step(s, container.registry, "T3", {"subject": "một"}, SYSTEM).case.id
        with deferred_inserts(s):
            store_document(s, case_id, b"ben trong", "in.txt", "text/plain")
        assert s.info["quytrinh_deferred_inserts"]  # still kept
    with container.sessions() as s:
        assert _count(s, CaseDocument) == 1
