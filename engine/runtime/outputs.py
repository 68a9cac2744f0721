"""What a step leaves for later: content-addressed documents and outbound messages (the outbox).

Used by service operators through their context and by the application when an outside event
(a received package) creates or feeds a case, always inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.orm import Session

from .. import audit
from ..models import Case, CaseDocument, Document, Outbox


def store_document(session: Session, case_id: int, content: bytes, name: str, media_type: str,
                   role: str = "result") -> str:
    """Store bytes once by their SHA-256 (never overwritten) and link them to the case."""
    digest = hashlib.sha256(content).hexdigest()
    if session.get(Document, digest) is None:
        session.add(Document(sha256=digest, media_type=media_type, size=len(content), content=content))
        session.flush()  # the link row below references it
    session.add(CaseDocument(case_id=case_id, sha256=digest, name=name, role=role))
    session.flush()
    return digest


def enqueue(session: Session, case: Case | None, actor: str, channel: str, kind: str, payload: dict[str, Any],
            body: bytes | None = None) -> Outbox:
    """Queue an outbound message in the current transaction and note it in the case's trail."""
    row = Outbox(case_id=case.id if case else None, channel=channel, kind=kind,
                 payload=json.loads(json.dumps(payload, default=str, ensure_ascii=False)), body=body,
                 sha256=hashlib.sha256(body).hexdigest() if body is not None else "")
    session.add(row)
    session.flush()
    if case is not None:
        audit.append(session, case, "outbound_queued", actor,
                     {"channel": channel, "kind": kind, "outbox": row.id, "sha256": row.sha256})
    return row
