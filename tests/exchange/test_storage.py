"""Received attachments stored by content: one row per distinct bytes, one link per case, no race."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.db import transaction
from engine.models import CaseDocument, Document
from engine.runtime.outputs import store_document

from .test_exchange import PDF, official_letter


def _counts(container: Any) -> tuple[int, int]:
    """Stored documents linked to cases, and links (the outbox's status replies are kept in the same
    content-addressed table, unlinked)."""
    with container.sessions() as s:
        return (s.scalar(select(func.count()).select_from(Document)
                         .where(Document.sha256.in_(select(CaseDocument.sha256)))),
                s.scalar(select(func.count()).select_from(CaseDocument)))


def test_the_same_attachment_in_two_letters_is_stored_once_and_linked_to_both_cases(container, exchange):
    assert exchange.accept(official_letter("1"), "a") == "started"
    assert exchange.accept(official_letter("2"), "b") == "started"
    assert _counts(container) == (1, 2)
    with container.sessions() as s:
        document = s.get(Document, s.scalars(select(CaseDocument.sha256)).first())
        assert document.content == PDF and document.size == len(PDF) and document.created_at is not None
        links = s.scalars(select(CaseDocument).order_by(CaseDocument.id)).all()
        assert [(link.name, link.role) for link in links] == [("cong-van.pdf", "incoming")] * 2
        assert links[0].case_id != links[1].case_id


def test_stored_bytes_are_never_overwritten_and_are_visible_in_the_same_transaction(container, exchange):
    exchange.accept(official_letter("1"), "a")
    with container.sessions() as s:
        case_id, digest = s.execute(select(CaseDocument.case_id, CaseDocument.sha256)).one()
    with transaction(container.sessions) as s:
        again = store_document(s, case_id, PDF, "ban-sao.pdf", "application/x-other", role="copy")
        assert again == digest
        assert s.get(Document, digest).media_type == "application/pdf", "the first row is kept as it was"
        names = s.scalars(select(CaseDocument.name).where(CaseDocument.case_id == case_id)
                          .order_by(CaseDocument.id)).all()
        assert names == ["cong-van.pdf", "ban-sao.pdf"]
    assert _counts(container) == (1, 2)


@pytest.mark.postgres_only
def test_two_transactions_storing_the_same_new_bytes_at_once_both_commit(container, exchange):
    exchange.accept(official_letter("1"), "a")
    with container.sessions() as s:
        case_id = s.scalars(select(CaseDocument.case_id)).first()
    content = b"%PDF-1.4\n% hai ban nhan cung luc\n%%EOF\n"
    first_stored, errors = threading.Event(), []

    def second() -> None:
        try:
            with transaction(container.sessions) as s:
                first_stored.wait(10)
                store_document(s, case_id, content, "b.pdf", "application/pdf")  # waits for the first's commit
        except Exception as exc:  # noqa: BLE001 - the assertion below names it
            errors.append(exc)

    other = threading.Thread(target=second)
    other.start()
    with transaction(container.sessions) as s:
        store_document(s, case_id, content, "a.pdf", "application/pdf")
        first_stored.set()
        threading.Event().wait(0.3)  # the other transaction's insert is now blocked on our row
    other.join(10)
    assert errors == []
    assert _counts(container) == (2, 3)
