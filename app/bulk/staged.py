"""One case as ``sign_document`` sees it, read from the database and written back later.

Why staged: signing may wait on a TSA or an OCSP responder; holding the case's write lock meanwhile
would stall the engine. The signature is made against a snapshot, and what it would store (the signed
PDF, the ``signature_applied`` event) is kept here until :class:`~app.bulk.signer.BulkSigner` writes
it in one transaction after checking nothing changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, Case, CaseDocument, Document


@dataclass
class StagedCase:
    case_id: int
    data: dict[str, Any]
    listed: list[dict[str, Any]]
    events: list[dict[str, Any]]
    contents: dict[str, bytes] = field(default_factory=dict)
    new_documents: list[tuple[bytes, str, str, str]] = field(default_factory=list)  # content, name, type, role
    new_events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    task_bpmn_id: str = "bulk_sign"
    session: Any = None  # no session: the operator must not write; it stages through put_document
    actor: str = ""

    @classmethod
    def load(cls, session: Session, case_id: int) -> StagedCase:
        case = session.get(Case, case_id)
        if case is None:
            raise LookupError(case_id)
        return cls(case_id=case_id, data=dict(case.data or {}), listed=case_documents(session, case_id),
                   events=signature_events(session, case_id))

    # -- the operator context ---------------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        return list(self.listed)

    def get_document(self, sha256: str) -> bytes:
        if sha256 not in self.contents:
            raise KeyError(sha256)
        return self.contents[sha256]

    def put_document(self, content: bytes, name: str, media_type: str, role: str = "result") -> str:
        digest = hashlib.sha256(content).hexdigest()
        self.new_documents.append((content, name, media_type, role))
        self.contents[digest] = content
        self.listed.append({"sha256": digest, "name": name, "role": role, "media_type": media_type})
        return digest

    def audit(self, kind: str, payload: dict[str, Any]) -> None:
        self.new_events.append((kind, payload))

    def enqueue(self, channel: str, kind: str, payload: dict[str, Any], body: bytes | None = None) -> int:
        raise RuntimeError("bulk signing sends nothing out")


def case_documents(session: Session, case_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(CaseDocument).where(CaseDocument.case_id == case_id).order_by(CaseDocument.id))
    return [{"sha256": r.sha256, "name": r.name, "role": r.role} for r in rows]


def signature_events(session: Session, case_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                    AuditEvent.kind == "signature_applied").order_by(AuditEvent.seq))
    return [dict(r.payload or {}) for r in rows]


def load_content(session: Session, sha256: str) -> bytes:
    row = session.get(Document, sha256)
    if row is None:
        raise LookupError(sha256)
    return row.content
