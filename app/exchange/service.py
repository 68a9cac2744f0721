"""Exchanging packages with other agencies over the axis, exactly once from the case's view.

Sending: operators queue packages in the engine's outbox inside the case step's transaction;
``deliver_outbox`` sends them and marks each sent in one transaction per package (a crash between
the two re-sends, and the receiver's de-duplication absorbs it). Receiving: ``poll_inbox`` fetches
each waiting package, stores it byte for byte with its effect on a case in one transaction, and only
then acknowledges it to the axis; a redelivered package hits the unique key and changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.axis import AxisClient, AxisError
from connectors.edxml import (
    BusinessDocType,
    DocumentPackage,
    EdxmlError,
    StatusCode,
    StatusPackage,
    build_status,
    receive_package,
)
from engine import SYSTEM, Actor, clock
from engine.audit import append as audit_append
from engine.db import transaction
from engine.models import Case, Outbox
from engine.runtime import cases as case_ops
from engine.runtime.jobs import send_message
from engine.runtime.outputs import enqueue, store_document

from .models import ReceivedPackage

log = logging.getLogger(__name__)
AXIS = "axis"
INCOMING_PROCEDURE = "QT74"
AXIS_ACTOR = Actor("truc-lien-thong", frozenset({"agency"}), frozenset(), "Trục liên thông văn bản quốc gia")


@dataclass
class RoundReport:
    sent: int = 0
    received: int = 0
    duplicates: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "received": self.received, "duplicates": self.duplicates,
                "refused": self.refused, "errors": self.errors}


class Exchange:
    def __init__(self, container: Any, client: AxisClient,
                 attachment_validator: Callable[[str, bytes], Any] | None = None) -> None:
        self.c = container
        self.client = client
        self.agency = container.settings.agency_code
        self.validator = attachment_validator

    # -- sending -----------------------------------------------------------------------------
    def deliver_outbox(self, limit: int = 100) -> RoundReport:
        report = RoundReport()
        for _ in range(limit):
            with transaction(self.c.sessions) as s:
                row = s.scalars(select(Outbox).where(Outbox.channel == AXIS, Outbox.status == "pending",
                                                     Outbox.next_attempt_at <= clock.utcnow())
                                .order_by(Outbox.id).limit(1).with_for_update(skip_locked=True)).first()
                if row is None:
                    return report
                row.attempts += 1
                try:
                    remote = self.client.send_edoc(row.body or b"", message_type=row.kind or "edoc")
                except AxisError as exc:
                    row.last_error = f"{exc}"[:2000]
                    row.next_attempt_at = clock.utcnow() + timedelta(seconds=min(2 ** row.attempts, 300))
                    if row.attempts >= 10:
                        row.status = "dead"
                    report.errors.append(str(exc))
                    continue
                row.status, row.remote_ref, row.sent_at = "sent", remote, clock.utcnow()
                if row.case_id is not None:
                    case = s.get(Case, row.case_id)
                    audit_append(s, case, "package_sent", AXIS_ACTOR.user_id,
                                 {"outbox": row.id, "kind": row.kind, "sha256": row.sha256, "remote_id": remote,
                                  **{k: row.payload.get(k) for k in ("document_id", "status_code", "to")
                                     if k in row.payload}})
                report.sent += 1
        return report

    # -- receiving ---------------------------------------------------------------------------
    def poll_inbox(self) -> RoundReport:
        report = RoundReport()
        for message_type in ("edoc", "status"):
            for remote_id in self.client.list_received(message_type):
                try:
                    data = self.client.get_edoc(remote_id)
                    outcome = self.accept(data, remote_id)
                except AxisError as exc:
                    report.errors.append(str(exc))
                    continue
                if outcome == "duplicate":
                    report.duplicates += 1
                elif outcome == "refused":
                    report.refused += 1
                else:
                    report.received += 1
                self.client.update_status(remote_id, "done" if outcome != "refused" else "fail")
        return report

    def accept(self, data: bytes, remote_id: str = "") -> str:
        """Store one package and apply it; returns 'started', 'applied', 'duplicate' or 'refused'."""
        digest = hashlib.sha256(data).hexdigest()
        try:
            receipt = receive_package(data, attachment_validator=self.validator)
        except EdxmlError as exc:
            return self._refuse(data, digest, remote_id, sender="", document_id=digest, reason=exc.message_vi,
                                report={"error": exc.to_dict()})
        package = receipt.package
        if isinstance(package, DocumentPackage):
            return self._accept_document(data, digest, remote_id, package, receipt)
        return self._accept_status(data, digest, remote_id, package)

    def _accept_document(self, data: bytes, digest: str, remote_id: str, package: DocumentPackage,
                         receipt: Any) -> str:
        header = package.header
        sender = header.from_.organ_id
        doc_type = package.business.doc_type if package.business else BusinessDocType.NEW
        report = {"envelope": str(receipt.envelope_signature), "attachments": [a.to_dict() for a in receipt.attachments]}
        if self.agency not in {o.organ_id for o in header.to}:
            return self._refuse(data, digest, remote_id, sender, header.document_id,
                                f"Văn bản gửi cho cơ quan khác, không phải {self.agency}", report, doc_type)
        if receipt.refused_reason is not None:
            return self._refuse(data, digest, remote_id, sender, header.document_id,
                                "Chữ ký phong bì không hợp lệ", report, doc_type)
        bad = [a for a in receipt.attachments if _attachment_invalid(a)]
        try:
            with transaction(self.c.sessions) as s:
                row = ReceivedPackage(remote_id=remote_id, kind="edoc", sender=sender, document_id=header.document_id,
                                      business_doc_type=int(doc_type), subject=header.subject, sha256=digest,
                                      content=data, report=report,
                                      outcome="flagged" if bad else "stored",
                                      reason="; ".join(f"{a.name}: chữ ký không hợp lệ" for a in bad))
                s.add(row)
                s.flush()
                if doc_type == BusinessDocType.NEW:
                    outcome = self._start_incoming_case(s, row, package)
                else:
                    outcome = self._change_document(s, row, package, doc_type)
            return outcome
        except IntegrityError as exc:
            if "received_package" not in str(exc):
                raise
            return "duplicate"

    def _start_incoming_case(self, s: Session, row: ReceivedPackage, package: DocumentPackage) -> str:
        h = package.header
        data = {
            "document_id": h.document_id, "sender_organ_id": h.from_.organ_id,
            "sender_organ_name": h.from_.organ_name or h.from_.organ_id,
            "subject": h.subject or "(không có trích yếu)", "code_number": h.code.code_number or "0",
            "code_notation": h.code.code_notation or "-", "document_type": _document_type(h.document_type.type_name),
            "promulgation_date": (h.promulgation.promulgation_date or clock.utcnow().date()).isoformat(),
            "received_at": clock.utcnow().isoformat(timespec="seconds"), "urgency": "thuong",
            "due_date": h.due_date.isoformat() if h.due_date else "",
            "attachments": [{"file_name": a.name[:255], "file_id": hashlib.sha256(a.data).hexdigest()[:64]}
                            for a in package.attachments],
        }
        view = case_ops.start_case(s, self.c.registry, INCOMING_PROCEDURE, data, AXIS_ACTOR, title=h.subject[:480])
        case = s.get(Case, view.id)
        row.case_id = case.id
        audit_append(s, case, "package_received", AXIS_ACTOR.user_id,
                     {"received": row.id, "sha256": row.sha256, "document_id": h.document_id,
                      "sender": h.from_.organ_id, "remote_id": row.remote_id, "flagged": row.reason or None})
        for attachment in package.attachments:
            store_document(s, case.id, attachment.data, attachment.name, attachment.content_type, role="incoming")
        enqueue(s, case, AXIS_ACTOR.user_id, AXIS, "status",
                {"status_code": "01", "document_id": h.document_id, "to": h.from_.organ_id},
                build_status(h, StatusCode.ARRIVED, reporter=_us(h, self.agency)))
        return "started"

    def _change_document(self, s: Session, row: ReceivedPackage, package: DocumentPackage,
                         doc_type: BusinessDocType) -> str:
        h = package.header
        target_id = (package.business.document_id if package.business else "") or h.document_id
        holder = s.scalars(select(ReceivedPackage).where(
            ReceivedPackage.kind == "edoc", ReceivedPackage.document_id == target_id,
            ReceivedPackage.business_doc_type == 0, ReceivedPackage.case_id.is_not(None))).first()
        if holder is None:
            row.outcome, row.reason = "refused", f"Không có văn bản {target_id} để {doc_type.name.lower()}"
            return "refused"
        case = s.get(Case, holder.case_id)
        row.case_id = case.id
        finished = case.status == "completed"
        if finished and doc_type == BusinessDocType.REVOKE:
            row.outcome, row.reason = "refused", "Văn bản đã xử lý xong, không thể thu hồi"
            code = StatusCode.RECEIVER_REFUSES
        else:
            row.outcome = "applied"
            code = StatusCode.RECEIVER_AGREES
            send_message(s, self.c.registry, "axis_document_changed", str(case.id),
                         {"change": doc_type.name.lower(), "document_id": target_id, "received": row.id},
                         actor=AXIS_ACTOR.user_id)
        audit_append(s, case, f"document_{doc_type.name.lower()}_received", AXIS_ACTOR.user_id,
                     {"received": row.id, "sha256": row.sha256, "document_id": target_id, "outcome": row.outcome,
                      "reason": row.reason or None})
        original = receive_package(holder.content).package.header
        enqueue(s, case, AXIS_ACTOR.user_id, AXIS, "status",
                {"status_code": code.value, "document_id": target_id, "to": h.from_.organ_id},
                build_status(original, code, row.reason, reporter=_us(original, self.agency)))
        return "refused" if row.outcome == "refused" else "applied"

    def _accept_status(self, data: bytes, digest: str, remote_id: str, package: StatusPackage) -> str:
        h = package.header
        doc_id = h.response_for.document_id
        try:
            with transaction(self.c.sessions) as s:
                row = ReceivedPackage(remote_id=remote_id, kind="status", sender=h.from_.organ_id,
                                      document_id=doc_id, status_code=h.status_code.value,
                                      subject=h.description, sha256=digest, content=data)
                s.add(row)
                s.flush()
                case_id = self._case_for_status(s, h)
                if case_id is None:
                    row.outcome, row.reason = "refused", f"Trạng thái cho văn bản không biết: {doc_id}"
                    return "refused"
                case = s.get(Case, case_id)
                row.case_id, row.outcome = case.id, "applied"
                audit_append(s, case, "status_received", AXIS_ACTOR.user_id,
                             {"received": row.id, "sha256": digest, "status_code": h.status_code.value,
                              "document_id": doc_id, "from": h.from_.organ_id, "description": h.description})
                name = "axis_recall" if h.status_code == StatusCode.SENDER_RECALLS else "axis_status"
                send_message(s, self.c.registry, name, str(case.id),
                             {"status_code": h.status_code.value, "status_description": h.description},
                             actor=AXIS_ACTOR.user_id)
                return "applied"
        except IntegrityError:
            return "duplicate"

    def _case_for_status(self, s: Session, h: Any) -> int | None:
        doc_id = h.response_for.document_id
        if h.status_code == StatusCode.SENDER_RECALLS:
            held = s.scalars(select(ReceivedPackage.case_id).where(
                ReceivedPackage.kind == "edoc", ReceivedPackage.document_id == doc_id,
                ReceivedPackage.case_id.is_not(None))).first()
            return held
        for row in s.scalars(select(Outbox).where(Outbox.channel == AXIS, Outbox.kind == "edoc")):
            if row.payload.get("document_id") == doc_id:
                return row.case_id
        return None

    def _refuse(self, data: bytes, digest: str, remote_id: str, sender: str, document_id: str, reason: str,
                report: dict, doc_type: int = 0) -> str:
        try:
            with transaction(self.c.sessions) as s:
                s.add(ReceivedPackage(remote_id=remote_id, kind="refused", sender=sender, document_id=document_id,
                                      business_doc_type=int(doc_type), sha256=digest, content=data,
                                      outcome="refused", reason=reason, report=report))
        except IntegrityError:
            return "duplicate"
        log.warning("axis package refused: %s", reason)
        return "refused"


_DOCUMENT_TYPES = {"công văn": "cong_van", "quyết định": "quyet_dinh", "thông báo": "thong_bao",
                   "kế hoạch": "ke_hoach", "báo cáo": "bao_cao"}


def _document_type(name: str) -> str:
    return _DOCUMENT_TYPES.get((name or "").strip().lower(), "khac")


def _us(header: Any, agency: str) -> Any:
    return next((o for o in header.to if o.organ_id == agency), header.to[0])


def _attachment_invalid(report: Any) -> bool:
    v = report.validation
    if report.validation_error:
        return True
    if isinstance(v, dict):
        return v.get("ok") is False or v.get("verdict") == "FAILED"
    return getattr(v, "ok", True) is False


def round_trip(exchange: Exchange) -> RoundReport:
    """One worker round: send what is queued, then take in what waits."""
    sent = exchange.deliver_outbox()
    got = exchange.poll_inbox()
    return RoundReport(sent.sent, got.received, got.duplicates, got.refused, sent.errors + got.errors)


__all__ = ["AXIS", "Exchange", "RoundReport", "SYSTEM", "round_trip"]
