"""What a step leaves for later: content-addressed documents and outbound messages (the outbox).

Used by service operators through their context and by the application when an outside event
(a received package) creates or feeds a case, always inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .. import audit
from ..clock import utcnow
from ..models import Case, CaseDocument, Document, Outbox
from .deferred import insert_rows


def store_document(session: Session, case_id: int, content: bytes, name: str, media_type: str,
                   role: str = "result") -> str:
    """Store bytes once by their SHA-256 (never overwritten) and link them to the case.

    Both rows go in as Core INSERTs, the content one ``ON CONFLICT DO NOTHING`` (SQLite and
    PostgreSQL): no blob is loaded to see whether it exists, no autoflush runs first, and two
    transactions storing the same bytes at once no longer race on the key (PostgreSQL makes the second
    wait for the first and then skips its row; SQLite has one writer anyway). The session sees both
    rows in later queries of the same transaction (inside :func:`~.deferred.deferred_inserts` they are
    written before its next flush or ORM statement, with ``created_at`` taken now, as the column's
    default took it at the insert).
    """
    digest = store_blob(session, content, media_type)
    insert_rows(session, _INSERT_CASE_DOCUMENT, [{"case_id": case_id, "sha256": digest, "name": name, "role": role,
                                                  "created_at": utcnow()}])
    return digest


def store_blob(session: Session, content: bytes, media_type: str) -> str:
    """Keep ``content`` in the content-addressed ``document`` table (once per SHA-256); returns the digest."""
    digest = hashlib.sha256(content).hexdigest()
    connection = session.connection()
    row = {"sha256": digest, "media_type": media_type, "size": len(content), "content": content,
           "created_at": utcnow()}
    statement = _INSERT_DOCUMENT_IF_NEW.get(connection.dialect.name)
    if statement is not None:
        insert_rows(session, statement, [row])
    elif session.get(Document, digest) is None:  # another database: look first, as before
        session.add(Document(**row))
        session.flush()
    return digest


def enqueue(session: Session, case: Case | None, actor: str, channel: str, kind: str, payload: dict[str, Any],
            body: bytes | None = None, media_type: str = "application/xml") -> int:
    """Queue an outbound message in the current transaction and note it in the case's trail; returns its id.

    One Core INSERT on the session's connection: the row's id is all anyone needs back, and an ORM
    add-and-flush here (for that id) also flushed everything else the step had pending, a second
    time, so a received document paid for writing its case row twice. The body is kept byte for byte
    in ``document`` under its SHA-256 (:func:`outbox_bodies` reads it back for sending).
    """
    digest = store_blob(session, body, media_type) if body is not None else ""
    row = {"case_id": case.id if case else None, "channel": channel, "kind": kind,
           "payload": json.loads(json.dumps(payload, default=str, ensure_ascii=False)), "sha256": digest}
    outbox_id = session.connection().execute(_INSERT_OUTBOX, row).inserted_primary_key[0]
    if case is not None:
        audit.append(session, case, "outbound_queued", actor,
                     {"channel": channel, "kind": kind, "outbox": outbox_id, "sha256": digest})
    return outbox_id


def outbox_bodies(session: Session, digests: Iterable[str]) -> dict[str, bytes]:
    """The bodies of outbox rows by their SHA-256 (rows without a body have none)."""
    wanted = sorted({d for d in digests if d})
    if not wanted:
        return {}
    rows = session.execute(select(Document.sha256, Document.content).where(Document.sha256.in_(wanted)))
    return {digest: content for digest, content in rows}


# The statements of this module, built once: a statement memoises its cache key, so building one per
# call (``.values(row)`` embeds the row) paid for the construction and the cache key every time.
_INSERT_OUTBOX = insert(Outbox.__table__)
_INSERT_CASE_DOCUMENT = insert(CaseDocument.__table__)
#: A content row that is skipped when its SHA-256 is already stored, by dialect (others look first).
_INSERT_DOCUMENT_IF_NEW = {
    "postgresql": postgresql.insert(Document.__table__).on_conflict_do_nothing(index_elements=["sha256"]),
    "sqlite": sqlite.insert(Document.__table__).on_conflict_do_nothing(index_elements=["sha256"]),
}
