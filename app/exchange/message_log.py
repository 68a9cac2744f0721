"""This installation's axis message log: packages sent (engine outbox, channel ``axis``) and received.

One list, newest first, each line with the package's SHA-256 (the hash of the exact bytes sent or
stored), the case it belongs to and what became of it, so a clerk or an auditor can match our side
against the axis's own log and the partner's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.models import Outbox

from .models import ReceivedPackage

AXIS = "axis"


def message_log(container: Any, limit: int = 50) -> list[dict[str, Any]]:
    """The ``limit`` latest packages in either direction, newest first."""
    with container.sessions() as s:
        sent = s.scalars(select(Outbox).where(Outbox.channel == AXIS).order_by(Outbox.id.desc()).limit(limit)).all()
        received = s.scalars(select(ReceivedPackage).order_by(ReceivedPackage.id.desc()).limit(limit)).all()
        entries = [_sent(row) for row in sent] + [_received(row) for row in received]
    entries.sort(key=lambda e: e["time"], reverse=True)
    return entries[:limit]


def _sent(row: Outbox) -> dict[str, Any]:
    payload = row.payload or {}
    to = payload.get("to")
    return {
        "direction": "sent", "id": row.id, "time": (row.sent_at or row.created_at).isoformat(),
        "kind": row.kind, "status_code": payload.get("status_code", ""),
        "document_id": payload.get("document_id", ""), "peer": ",".join(to) if isinstance(to, list) else (to or ""),
        "case_id": row.case_id, "sha256": row.sha256, "outcome": row.status, "attempts": row.attempts,
        "remote_id": row.remote_ref or "", "reason": row.last_error or "",
    }


def _received(row: ReceivedPackage) -> dict[str, Any]:
    envelope = (row.report or {}).get("envelope") or {}
    return {
        "direction": "received", "id": row.id, "time": row.received_at.isoformat(), "kind": row.kind,
        "status_code": row.status_code, "document_id": row.document_id, "peer": row.sender,
        "case_id": row.case_id, "sha256": row.sha256, "outcome": row.outcome, "remote_id": row.remote_id,
        "reason": row.reason, "envelope_signature": envelope.get("status", "") if isinstance(envelope, dict) else "",
    }
