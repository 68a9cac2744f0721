"""Operators that send over the national axis: status replies and outgoing documents.

They only queue packages in the engine's outbox (same transaction as the step); the exchange worker
delivers them. A rolled-back step therefore never sends, and a committed one always does.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from connectors.edxml import (
    Code,
    EdxmlError,
    MessageHeader,
    Organization,
    PromulgationInfo,
    StatusCode,
    build_document,
    build_status,
    make_attachment,
    read_package,
)
from engine import OperatorContext, OperatorError, ServiceRegistry

from ..exchange.models import ReceivedPackage
from ..exchange.security import OrganisationEnvelope

if TYPE_CHECKING:
    from ..container import Container

AXIS = "axis"


def _received_header(ctx: OperatorContext) -> Any:
    row = ctx.session.scalars(select(ReceivedPackage).where(
        ReceivedPackage.case_id == ctx.case_id, ReceivedPackage.kind == "edoc",
        ReceivedPackage.business_doc_type == 0).order_by(ReceivedPackage.id)).first()
    if row is None:
        raise OperatorError("Hồ sơ không gắn với văn bản nhận qua Trục", "The case holds no document received "
                            "over the axis", code="no_received_document", retryable=False)
    return read_package(row.content).header


def make_send_status(agency_code: str, envelope: OrganisationEnvelope | None = None):  # type: ignore[no-untyped-def]
    def axis_send_status(params: dict[str, Any], ctx: OperatorContext) -> dict[str, Any]:
        code = str(params.get("status_code", "")).zfill(2)
        try:
            status = StatusCode(code)
        except ValueError:
            raise OperatorError(f"Mã trạng thái không hợp lệ: {code}", f"Invalid status code: {code}",
                                code="bad_status_code", retryable=False) from None
        header = _received_header(ctx)
        reporter = next((o for o in header.to if o.organ_id == agency_code), header.to[0])
        body = _signed(envelope, build_status(header, status, str(params.get("reason") or ""), reporter=reporter))
        outbox = ctx.enqueue(AXIS, "status", {"status_code": code, "document_id": header.document_id,
                                              "to": header.from_.organ_id}, body)
        return {"status_code": code, "document_id": header.document_id, "outbox": outbox}
    return axis_send_status


def make_send_document(agency_code: str, agency_name: str,  # type: ignore[no-untyped-def]
                       envelope: OrganisationEnvelope | None = None):
    def axis_send_document(params: dict[str, Any], ctx: OperatorContext) -> dict[str, Any]:
        data = ctx.data
        to = params.get("to") or data.get("recipient_organ_id")
        if not to:
            raise OperatorError("Chưa có cơ quan nhận", "No recipient agency", code="no_recipient", retryable=False)
        recipients = [to] if isinstance(to, str) else list(to)
        docs = [d for d in ctx.documents() if d["name"].lower().endswith(".pdf")]
        signed = [d for d in docs if d["role"] == "signed"] or docs
        attachments = [make_attachment(signed[-1]["name"], ctx.get_document(signed[-1]["sha256"]))] if signed else []
        header = MessageHeader(
            from_=Organization(agency_code, agency_name),
            to=tuple(Organization(r) for r in recipients),
            code=Code(str(params.get("code_number") or data.get("code_number") or ctx.case_id),
                      str(params.get("code_notation") or data.get("code_notation") or "ĐHCT")),
            promulgation=PromulgationInfo("Cần Thơ", date.today()),
            subject=str(params.get("subject") or data.get("subject") or f"Hồ sơ {ctx.case_id}"))
        try:
            body = build_document(header, attachments)
        except EdxmlError as exc:
            raise OperatorError(exc.message_vi, exc.message_en, code=exc.code, retryable=False) from exc
        document_id = read_package(body).header.document_id
        body = _signed(envelope, body)
        outbox = ctx.enqueue(AXIS, "edoc", {"document_id": document_id, "to": recipients}, body)
        return {"document_id": document_id, "outbox": outbox, "attachments": [a.name for a in attachments]}
    return axis_send_document


def _signed(envelope: OrganisationEnvelope | None, body: bytes) -> bytes:
    """XML-DSig by the organisation when it has a key; the package goes as built otherwise."""
    signer = envelope.signer() if envelope is not None else None
    return signer(body) if signer is not None else body


def register(registry: ServiceRegistry, container: Container) -> None:
    s = container.settings
    envelope = OrganisationEnvelope(s)
    registry.register("axis_send_status", make_send_status(s.agency_code, envelope))
    registry.register("axis_send_document", make_send_document(s.agency_code, s.agency_name, envelope))
