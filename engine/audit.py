"""The hash-chained audit trail of a case.

Each event's hash covers the previous event's hash and a canonical JSON of the event, so
removing, reordering or editing any stored event breaks the chain at that point and
``verify_chain`` names the first event that no longer fits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from .clock import as_utc, utcnow
from .models import AuditEvent, Case, SystemEvent

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(prev_hash: str, case_id: int, seq: int, kind: str, actor: str, payload: dict,
               created_at: datetime) -> str:
    body = canonical_json({"case": case_id, "seq": seq, "kind": kind, "actor": actor, "payload": payload,
                           "at": as_utc(created_at).isoformat(timespec="microseconds")})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def append(session: Session, case: Case, kind: str, actor: str, payload: dict | None = None) -> dict[str, Any]:
    """Append one event to ``case``'s chain; the caller's transaction commits it with the step.

    The event is written by the session's next flush (any query, an explicit flush, the commit),
    ahead of the ORM's own changes, as one multi-row INSERT for all events of the step: a step
    appends one to three events and the ORM's per-object bookkeeping cost more than the insert.
    """
    payload = json.loads(canonical_json(payload or {}))
    seq = case.audit_seq + 1
    prev = case.audit_head or GENESIS
    at = utcnow()
    digest = event_hash(prev, case.id, seq, kind, actor, payload, at)
    event = {"case_id": case.id, "seq": seq, "kind": kind, "actor": actor, "payload": payload,
             "created_at": at, "prev_hash": prev, "hash": digest}
    session.info.setdefault(_PENDING, []).append(event)
    case.audit_seq = seq  # also makes the session dirty, so its next flush writes the event
    case.audit_head = digest
    return event


_PENDING = "quytrinh_pending_audit"


#: Built once: a statement's cache key is memoised on the statement object, so a new ``insert()``
#: per step paid for computing it again.
_INSERT_EVENTS = insert(AuditEvent.__table__)


def write_pending(session: Session) -> None:
    """Insert the events appended in this session and not yet written (one INSERT; a multi-row
    one when the step appended several)."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.connection().execute(_INSERT_EVENTS, pending[0] if len(pending) == 1 else pending)


@event.listens_for(Session, "before_flush")
def _write_pending(session: Session, _context: Any, _instances: Any) -> None:
    write_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _drop_on_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction: committed (already written) or gone
        session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class ChainReport:
    case_id: int
    events: int
    ok: bool
    first_bad_seq: int | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "events": self.events, "ok": self.ok,
                "first_bad_seq": self.first_bad_seq, "reason": self.reason}


def verify_events(case_id: int, events: Iterable[AuditEvent], head: str, count: int) -> ChainReport:
    prev = GENESIS
    expected_seq = 1
    n = 0
    for ev in events:
        n += 1
        if ev.seq != expected_seq:
            return ChainReport(case_id, n, False, expected_seq,
                               f"sự kiện #{expected_seq} bị xoá / event #{expected_seq} was removed")
        if ev.prev_hash != prev:
            return ChainReport(case_id, n, False, ev.seq,
                               f"sự kiện #{ev.seq} không nối với sự kiện trước / event #{ev.seq} "
                               "does not link to the previous one")
        recomputed = event_hash(prev, case_id, ev.seq, ev.kind, ev.actor, ev.payload, ev.created_at)
        if recomputed != ev.hash:
            return ChainReport(case_id, n, False, ev.seq,
                               f"sự kiện #{ev.seq} đã bị sửa / event #{ev.seq} was altered")
        prev = ev.hash
        expected_seq += 1
    if n != count or prev != (head or GENESIS):
        return ChainReport(case_id, n, False, n + 1,
                           f"sự kiện #{n + 1} trở đi bị xoá / events from #{n + 1} on were removed")
    return ChainReport(case_id, n, True)


def verify_chain(session: Session, case_id: int) -> ChainReport:
    case = session.get(Case, case_id)
    if case is None:
        raise LookupError(case_id)
    events = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                             .order_by(AuditEvent.seq)).all()
    return verify_events(case_id, events, case.audit_head, case.audit_seq)


SYSTEM_CHAIN = 0  # the system trail is hashed as "case 0"


def append_system(session: Session, kind: str, actor: str, payload: dict | None = None) -> SystemEvent:
    """Append to the installation's own trail; a concurrent append loses on the unique ``seq``."""
    payload = json.loads(canonical_json(payload or {}))
    last = session.scalars(select(SystemEvent).order_by(SystemEvent.seq.desc()).limit(1)).first()
    seq = (last.seq if last else 0) + 1
    prev = last.hash if last else GENESIS
    at = utcnow()
    event = SystemEvent(seq=seq, kind=kind, actor=actor, payload=payload, created_at=at, prev_hash=prev,
                        hash=event_hash(prev, SYSTEM_CHAIN, seq, kind, actor, payload, at))
    session.add(event)
    session.flush()
    return event


def verify_system_chain(session: Session) -> ChainReport:
    events = session.scalars(select(SystemEvent).order_by(SystemEvent.seq)).all()
    head = events[-1].hash if events else GENESIS
    report = verify_events(SYSTEM_CHAIN, events, head, len(events))
    if report.ok and events and events[-1].seq != len(events):
        return ChainReport(SYSTEM_CHAIN, len(events), False, len(events), "events were removed")
    return report
