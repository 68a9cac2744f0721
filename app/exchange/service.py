"""Exchanging packages with other agencies over the axis, exactly once from the case's view.

Sending: operators queue packages in the engine's outbox inside the case step's transaction;
``deliver_outbox`` sends them and marks them sent, a batch per transaction (a crash between the
two re-sends, and the receiver's de-duplication absorbs it). Receiving: ``poll_inbox`` fetches
each waiting package, stores it byte for byte with its effect on a case in one transaction, and only
then acknowledges it to the axis; a redelivered package hits the unique key and changes nothing.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.axis import AxisClient, AxisError
from connectors.edxml import (
    BusinessDocType,
    DocumentPackage,
    StatusCode,
    StatusPackage,
    build_status,
    read_package,
)
from engine import SYSTEM, Actor, clock
from engine.audit import append as audit_append
from engine.db import transaction
from engine.models import Case, Outbox
from engine.runtime import cases as case_ops
from engine.runtime.deferred import deferred_inserts
from engine.runtime.jobs import send_message
from engine.runtime.outputs import enqueue, outbox_bodies, store_document

from .claims import Claims
from .intake import AxisThreads, Intake, RoundReport
from .models import ReceivedPackage
from .security import attachment_warnings
from .write_lock import WriteLockProbe

log = logging.getLogger(__name__)
AXIS = "axis"
INCOMING_PROCEDURE = "QT74"
AXIS_ACTOR = Actor("truc-lien-thong", frozenset({"agency"}), frozenset(), "Trục liên thông văn bản quốc gia")


@dataclass(frozen=True)
class _Due:
    """An outbox row read to be sent without a transaction open (SQLite; see ``deliver_outbox``)."""

    id: int
    kind: str
    body: bytes | None


def _with_bodies(s: Session, rows: Sequence[Outbox]) -> list[_Due]:
    """The rows to send with their bodies (kept in ``document`` by SHA-256), read in one query."""
    bodies = outbox_bodies(s, (r.sha256 for r in rows))
    return [_Due(r.id, r.kind, bodies.get(r.sha256)) for r in rows]


class Exchange(Intake):
    """One installation's side of the axis.

    ``attachment_validator``: checks each received attachment (see ``security.attachment_validator``);
    ``sign``: puts the organisation's XML-DSig over every package this side writes (status replies);
    ``trusted_certs``: partner certificates an incoming envelope signature is checked against;
    ``receiver_share``: ``(i, n)``, this receiver takes the i-th of n shares of the DocIds (see claims).
    """

    def __init__(self, container: Any, client: AxisClient,
                 attachment_validator: Callable[[str, bytes], Any] | None = None, *,
                 sign: Callable[[bytes], bytes] | None = None, trusted_certs: Sequence[bytes] = (),
                 receiver_share: tuple[int, int] = (0, 1)) -> None:
        self.c = container
        self.client = client
        self.agency = container.settings.agency_code
        self.validator = attachment_validator
        self.sign = sign
        self.trusted_certs = tuple(trusted_certs)
        self.read_ahead = 2  # packages read and under validation while the one before is stored
        self.send_batch = 25  # outbox rows sent per transaction (see deliver_outbox)
        self.store_batch = 16  # new documents received stored per transaction (see Intake._settle_group)
        self.claims = Claims(container.db, receiver_share)  # several receivers of one installation share the work
        self.fetch_ahead = 4  # packages being fetched on the fetching thread while the receiver works
        # packages read further ahead while another receiver holds SQLite's write lock (see write_lock)
        self.read_ahead_while_locked = 32
        self.write_lock = WriteLockProbe(container.db)
        self._axis_threads: AxisThreads | None = None  # started by the first round that takes packages in
        self._unanswered: deque[tuple[str, str, Future[None]]] = deque()

    def close(self) -> None:
        """Release what a long-running receiver holds: its claim connection, its fetching and acknowledging threads,
        its validation workers."""
        if self._axis_threads is not None:
            self._axis_threads.close()
            self._axis_threads = None
        self.claims.close()
        self.write_lock.close()
        close = getattr(self.validator, "close", None)
        if close is not None:
            close()

    def _signed(self, package: bytes) -> bytes:
        return self.sign(package) if self.sign is not None else package

    # -- sending -----------------------------------------------------------------------------
    def deliver_outbox(self, limit: int = 100) -> RoundReport:
        """Send up to ``limit`` due packages of the outbox, oldest first; each one attempted once.

        Rows go ``send_batch`` at a time, sent one by one, then marked sent with their
        ``package_sent`` audit in one commit for the batch: the select and the commit, not the
        sending, were most of the per-package cost. A crash before that commit re-sends the batch
        later, which the axis answers with the same DocId (identical bytes) and the receiver's
        unique key absorbs. A failed send ends its batch with the failure recorded; the rest are
        taken by the next batch.

        How a batch is held while it is sent depends on the database. PostgreSQL locks its rows
        (``FOR UPDATE SKIP LOCKED``) for the batch, which keeps several workers on different rows
        and blocks nobody else. SQLite has one write lock for the whole file: holding it through
        HTTP calls would stall every web request and case step for as long as the axis takes, so
        there the rows are read, sent with no transaction open, and marked in a short write
        transaction that only touches rows still pending (a second worker that sent the same row
        meanwhile is absorbed like any re-send).
        """
        report = RoundReport()
        attempted = 0
        lock_rows = self.c.db.dialect.name == "postgresql"
        while attempted < limit:
            size = min(self.send_batch, limit - attempted)
            if lock_rows:
                with transaction(self.c.sessions) as s:
                    rows = s.scalars(self._due(size).with_for_update(skip_locked=True)).all()
                    if not rows:
                        return report
                    outcomes = self._send(_with_bodies(s, rows), report)
                    self._record(s, rows, outcomes, report)
            else:
                with self.c.readers() as s:  # a snapshot: reading queues for no lock
                    due = _with_bodies(s, s.scalars(self._due(size)).all())
                if not due:
                    return report
                outcomes = self._send(due, report)
                with transaction(self.c.sessions) as s:
                    rows = s.scalars(select(Outbox).where(Outbox.id.in_(list(outcomes)), Outbox.status == "pending")
                                     .order_by(Outbox.id)).all()
                    self._record(s, rows, outcomes, report)
            attempted += len(outcomes)
        return report

    def _due(self, size: int) -> Select:
        return (select(Outbox).where(Outbox.channel == AXIS, Outbox.status == "pending",
                                     Outbox.next_attempt_at <= clock.utcnow())
                .order_by(Outbox.id).limit(size))

    def _send(self, rows: Sequence[_Due], report: RoundReport) -> dict[int, str | AxisError]:
        """Send the rows in order until one fails: row id -> the axis' DocId, or the error that ended the batch."""
        outcomes: dict[int, str | AxisError] = {}
        for row in rows:
            try:
                outcomes[row.id] = self.client.send_edoc(row.body or b"", message_type=row.kind or "edoc")
            except AxisError as exc:
                outcomes[row.id] = exc
                report.errors.append(str(exc))
                break
        return outcomes

    def _record(self, s: Session, rows: Sequence[Outbox], outcomes: dict[int, str | AxisError],
                report: RoundReport) -> None:
        """Mark the attempted rows sent (with their case's ``package_sent`` event) or failed with a backoff."""
        for row in rows:
            outcome = outcomes.get(row.id)
            if outcome is None:
                continue  # not attempted: a send before it failed
            row.attempts += 1
            if isinstance(outcome, AxisError):
                row.last_error = f"{outcome}"[:2000]
                row.next_attempt_at = clock.utcnow() + timedelta(seconds=min(2 ** row.attempts, 300))
                if row.attempts >= 10:
                    row.status = "dead"
                continue
            row.status, row.remote_ref, row.sent_at = "sent", outcome, clock.utcnow()
            if row.case_id is not None:
                case = s.get(Case, row.case_id)
                audit_append(s, case, "package_sent", AXIS_ACTOR.user_id,
                             {"outbox": row.id, "kind": row.kind, "sha256": row.sha256, "remote_id": outcome,
                              **{k: row.payload.get(k) for k in ("document_id", "status_code", "to")
                                 if k in row.payload}})
            report.sent += 1

    # -- receiving ---------------------------------------------------------------------------
    def _accept_document(self, data: bytes, digest: str, remote_id: str, package: DocumentPackage,
                         receipt: Any) -> str:
        header = package.header
        sender = header.from_.organ_id
        doc_type = package.business.doc_type if package.business else BusinessDocType.NEW
        report = _receipt_report(receipt)
        if self.agency not in {o.organ_id for o in header.to}:
            return self._refuse(data, digest, remote_id, sender, header.document_id,
                                f"Văn bản gửi cho cơ quan khác, không phải {self.agency}", report, doc_type)
        if receipt.refused_reason is not None:
            return self._refuse(data, digest, remote_id, sender, header.document_id,
                                f"Chữ ký phong bì không hợp lệ / invalid envelope signature: "
                                f"{receipt.refused_reason.message_vi}", report, doc_type)
        # Two receivers storing the same attachment no longer collide on the content-addressed ``document``
        # row (store_document inserts it ON CONFLICT DO NOTHING): only our own unique key can refuse us.
        arrived = self._arrived_status(package) if doc_type == BusinessDocType.NEW else b""
        try:
            with transaction(self.c.sessions) as s:
                return self._store_document(s, data, digest, remote_id, package, report, doc_type, receipt, arrived)
        except IntegrityError as exc:
            if "received_package" in str(exc):
                return "duplicate"
            raise

    def _store_new_documents(self, incoming: Sequence[Any], receipts: Sequence[Any]) -> list[str] | None:
        """Store several new documents addressed to us, each with its case, in one transaction.

        The work paid per transaction (taking SQLite's write lock, the session, the flush that writes
        each case's state and events, the commit) is paid once per run: the cases' updates go out as
        one batch, all their audit events as one multi-row INSERT, and their human tasks, jobs, documents
        and document links as one ``executemany`` per table (see ``engine.runtime.deferred``). What the commit writes per
        package (the package and its PDF, ~250 KB) stays. Returns None after rolling everything back
        if any of them fails (a duplicate that raced in, a case that cannot start): the caller then
        stores them one by one, so each gets exactly the outcome and the rows it would have had alone.
        """
        outcomes: list[str] = []
        try:
            # built before the write lock is taken: on SQLite the other receivers wait while it is held
            arrived = [self._arrived_status(item.package) for item in incoming]
            with transaction(self.c.sessions) as s, deferred_inserts(s):
                for item, receipt, status in zip(incoming, receipts, arrived, strict=True):
                    package = item.package
                    doc_type = package.business.doc_type if package.business else BusinessDocType.NEW
                    if receipt.refused_reason is not None or self.agency not in {o.organ_id for o in
                                                                                package.header.to}:
                        raise _NotInRun(item.remote_id)
                    outcomes.append(self._store_document(s, item.data, item.digest, item.remote_id, package,
                                                         _receipt_report(receipt), doc_type, receipt, status))
        except Exception as exc:  # noqa: BLE001 - every package is stored again on its own, where it fails for real
            log.info("axis: a run of %d received documents goes one by one: %r", len(outcomes) + 1, exc)
            return None
        return outcomes

    def _store_document(self, s: Session, data: bytes, digest: str, remote_id: str, package: DocumentPackage,
                        report: dict[str, Any], doc_type: BusinessDocType, receipt: Any, arrived: bytes = b"") -> str:
        """Keep a received document package; a new one starts its case (``arrived``: its status 01 package,
        see :meth:`_arrived_status`), a revoke, update or replace reaches the case holding the original."""
        header = package.header
        bad = [a for a in receipt.attachments if _attachment_invalid(a)]
        values = {"remote_id": remote_id, "kind": "edoc", "sender": header.from_.organ_id,
                  "document_id": header.document_id, "business_doc_type": int(doc_type), "subject": header.subject,
                  "sha256": digest, "content": data, "report": report, "outcome": "flagged" if bad else "stored",
                  "reason": "; ".join(f"{a.name}: chữ ký không hợp lệ / signature invalid" for a in bad)}
        if doc_type == BusinessDocType.NEW:
            return self._start_incoming_case(s, values, package, report, arrived or self._arrived_status(package))
        row = ReceivedPackage(**values)
        s.add(row)
        s.flush()
        return self._change_document(s, row, package, doc_type)

    def _arrived_status(self, package: DocumentPackage) -> bytes:
        """The status 01 ("arrived") package answering ``package``, signed when this side signs: a pure
        function of the header, so callers build it before taking the write lock."""
        h = package.header
        return self._signed(build_status(h, StatusCode.ARRIVED, reporter=_us(h, self.agency)))

    def _start_incoming_case(self, s: Session, values: dict[str, Any], package: DocumentPackage,
                             report: dict[str, Any], arrived: bytes) -> str:
        """Start the QT74 case, then keep the package (one Core INSERT: it is never changed afterwards, so
        the ORM's bookkeeping for it, and the flush it needed for its id, bought nothing) linked to it."""
        h = package.header
        envelope = report["envelope"]
        data = {
            "direction": "den", "document_id": h.document_id, "sender_organ_id": h.from_.organ_id,
            "sender_organ_name": h.from_.organ_name or h.from_.organ_id,
            "subject": h.subject or "(không có trích yếu)", "code_number": h.code.code_number or "0",
            "code_notation": h.code.code_notation or "-", "document_type": _document_type(h.document_type.type_name),
            "promulgation_date": (h.promulgation.promulgation_date or clock.utcnow().date()).isoformat(),
            "received_at": clock.utcnow().isoformat(timespec="seconds"), "urgency": "thuong",
            "due_date": h.due_date.isoformat() if h.due_date else "",
            "attachments": [{"file_name": a.name[:255], "file_id": a.sha256[:64]}
                            for a in package.attachments],
            "envelope_signature": f"{envelope['status']}: {envelope['message']}"[:500],
            "attachment_warnings": attachment_warnings(report["attachments"]),
        }
        case = case_ops.start_case_step(s, self.c.registry, INCOMING_PROCEDURE, data, AXIS_ACTOR,
                                        title=h.subject[:480]).case
        received_id = s.connection().execute(_INSERT_RECEIVED, {**values, "case_id": case.id}).inserted_primary_key[0]
        audit_append(s, case, "package_received", AXIS_ACTOR.user_id,
                     {"received": received_id, "sha256": values["sha256"], "document_id": h.document_id,
                      "sender": h.from_.organ_id, "remote_id": values["remote_id"],
                      "flagged": values["reason"] or None, "envelope_signature": envelope["status"]})
        for item in report["attachments"]:
            if item["validation"] is not None or item["validation_error"] is not None:
                verdict = item["validation"] or {}
                audit_append(s, case, "attachment_validated", AXIS_ACTOR.user_id,
                             {"name": item["name"], "sha256": item["sha256"], "ok": verdict.get("ok", False),
                              "signed": verdict.get("signed"), "indication": verdict.get("indication"),
                              "reason": verdict.get("reason") or (item["validation_error"] or {}).get("message_en")})
        for attachment in package.attachments:
            store_document(s, case.id, attachment.data, attachment.name, attachment.content_type, role="incoming")
        enqueue(s, case, AXIS_ACTOR.user_id, AXIS, "status",
                {"status_code": "01", "document_id": h.document_id, "to": h.from_.organ_id}, arrived)
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
        original = read_package(holder.content).header
        enqueue(s, case, AXIS_ACTOR.user_id, AXIS, "status",
                {"status_code": code.value, "document_id": target_id, "to": h.from_.organ_id},
                self._signed(build_status(original, code, row.reason, reporter=_us(original, self.agency))))
        return "refused" if row.outcome == "refused" else "applied"

    def _accept_status(self, data: bytes, digest: str, remote_id: str, package: StatusPackage, receipt: Any) -> str:
        h = package.header
        doc_id = h.response_for.document_id
        if receipt.refused_reason is not None:
            return self._refuse(data, digest, remote_id, h.from_.organ_id, doc_id,
                                f"Chữ ký phong bì không hợp lệ / invalid envelope signature: "
                                f"{receipt.refused_reason.message_vi}",
                                {"envelope": receipt.envelope_signature.to_dict()}, status_code=h.status_code.value)
        try:
            with transaction(self.c.sessions) as s:
                row = ReceivedPackage(remote_id=remote_id, kind="status", sender=h.from_.organ_id,
                                      document_id=doc_id, status_code=h.status_code.value,
                                      subject=h.description, sha256=digest, content=data,
                                      report={"envelope": receipt.envelope_signature.to_dict()})
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
                              "document_id": doc_id, "from": h.from_.organ_id, "description": h.description,
                              "envelope_signature": receipt.envelope_signature.status})
                if h.status_code == StatusCode.SENDER_RECALLS and case.status == "completed":
                    self._refuse_late_recall(s, case, row, doc_id, h.from_.organ_id)
                    return "applied"
                name = "axis_recall" if h.status_code == StatusCode.SENDER_RECALLS else "axis_status"
                send_message(s, self.c.registry, name, str(case.id),
                             {"status_code": h.status_code.value, "status_description": h.description},
                             actor=AXIS_ACTOR.user_id)
                return "applied"
        except IntegrityError:
            return "duplicate"

    def _refuse_late_recall(self, s: Session, case: Case, row: ReceivedPackage, doc_id: str, sender: str) -> None:
        """A recall of a document whose case has ended: nobody waits for it, so we answer 16 ourselves."""
        holder = s.scalars(select(ReceivedPackage).where(
            ReceivedPackage.kind == "edoc", ReceivedPackage.document_id == doc_id,
            ReceivedPackage.business_doc_type == 0)).first()
        row.outcome, row.reason = "refused", "Văn bản đã xử lý xong, không thể trả lại / already handled"
        original = read_package(holder.content).header
        enqueue(s, case, AXIS_ACTOR.user_id, AXIS, "status",
                {"status_code": StatusCode.RECEIVER_REFUSES.value, "document_id": doc_id, "to": sender},
                self._signed(build_status(original, StatusCode.RECEIVER_REFUSES, row.reason,
                                          reporter=_us(original, self.agency))))

    def _case_for_status(self, s: Session, h: Any) -> int | None:
        doc_id = h.response_for.document_id
        if h.status_code == StatusCode.SENDER_RECALLS:
            held = s.scalars(select(ReceivedPackage.case_id).where(
                ReceivedPackage.kind == "edoc", ReceivedPackage.document_id == doc_id,
                ReceivedPackage.case_id.is_not(None))).first()
            return held
        # the JSON lookup runs in the database (json_extract / ->>), not over every sent row in Python
        return s.scalars(select(Outbox.case_id).where(
            Outbox.channel == AXIS, Outbox.kind == "edoc", Outbox.case_id.is_not(None),
            Outbox.payload["document_id"].as_string() == doc_id).order_by(Outbox.id.desc()).limit(1)).first()

    def _refuse(self, data: bytes, digest: str, remote_id: str, sender: str, document_id: str, reason: str,
                report: dict, doc_type: int = 0, status_code: str = "") -> str:
        try:
            with transaction(self.c.sessions) as s:
                s.add(ReceivedPackage(remote_id=remote_id, kind="refused", sender=sender, document_id=document_id,
                                      business_doc_type=int(doc_type), status_code=status_code, sha256=digest,
                                      content=data,
                                      outcome="refused", reason=reason, report=report))
        except IntegrityError:
            return "duplicate"
        log.warning("axis package refused: %s", reason)
        return "refused"


_INSERT_RECEIVED = insert(ReceivedPackage.__table__)


class _NotInRun(Exception):
    """A package that must not be stored with a run (refused, or for another agency)."""


def _receipt_report(receipt: Any) -> dict[str, Any]:
    """What is kept with a received document about its checks (envelope, attachments, findings)."""
    return {"envelope": receipt.envelope_signature.to_dict(),
            "attachments": [a.to_dict() for a in receipt.attachments],
            "findings": [f.to_dict() for f in receipt.findings]}


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


def round_trip(exchange: Exchange, batch: int = 50) -> RoundReport:
    """One worker round: send what is queued, then take in up to ``batch`` waiting packages of each kind.

    Bounded so that replies queued while taking in (status 01 for each document) leave in the next
    round instead of after the whole backlog: the partner's cases advance while we still receive.
    """
    sent = exchange.deliver_outbox(limit=batch * 2)
    got = exchange.poll_inbox(limit=batch)
    return RoundReport(sent.sent, got.received, got.duplicates, got.refused, sent.errors + got.errors)


__all__ = ["AXIS", "Exchange", "RoundReport", "SYSTEM", "round_trip"]
