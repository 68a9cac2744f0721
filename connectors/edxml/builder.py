"""Build the packages the university sends: documents (new, revoke, update, replace) and statuses.

The builders fill what the axis expects but people forget: the DocumentId derived from sender,
date, number and notation; a TraceHeader stamped by the sender; the ``Bussiness`` block with a
reason in Vietnamese; and for statuses, the ``ResponseFor`` pointing back at the original document
so the sender's system can match the reply to what it sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from .attachments import DEFAULT_LIMITS, Limits
from .errors import EdxmlError
from .model import (
    STATUS_MEANINGS,
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    DocumentPackage,
    MessageHeader,
    Organization,
    ReplacementInfo,
    ResponseFor,
    StaffInfo,
    StatusCode,
    StatusHeader,
    StatusPackage,
    TraceHeader,
    make_document_id,
)
from .writer import write_package

VIETNAM = timezone(timedelta(hours=7))

DEFAULT_REASONS = {
    BusinessDocType.NEW: "Văn bản điện tử mới",
    BusinessDocType.REVOKE: "Thu hồi văn bản điện tử",
    BusinessDocType.UPDATE: "Cập nhật văn bản điện tử",
    BusinessDocType.REPLACE: "Văn bản thay thế",
}


def _now(now: datetime | None) -> datetime:
    """Local Vietnamese wall-clock time without offset, as every edXML timestamp is written."""
    moment = now or datetime.now(VIETNAM)
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def document_package(header: MessageHeader, attachments: Iterable[Attachment] = (), *,
                     doc_type: BusinessDocType = BusinessDocType.NEW, reason: str = "",
                     previous_document_id: str = "", replaces: Iterable[ReplacementInfo] = (),
                     document_info: BusinessDocumentInfo | None = None, staff: StaffInfo | None = None,
                     now: datetime | None = None) -> DocumentPackage:
    """Assemble a document package; see :func:`build_document` for the bytes."""
    moment = _now(now)
    if not header.document_id:
        promulgated = header.promulgation.promulgation_date
        if promulgated is None or not header.code.code_number:
            raise EdxmlError("edxml_invalid", "Cần số, ký hiệu và ngày ban hành để lập DocumentId.",
                             "Number, notation and promulgation date are needed to make the DocumentId.")
        header = replace(header, document_id=make_document_id(
            header.from_.organ_id, promulgated, header.code.code_number, header.code.code_notation))
    replaces = tuple(replaces)
    if doc_type == BusinessDocType.REPLACE and not replaces:
        raise EdxmlError("edxml_invalid", "Văn bản thay thế phải nêu văn bản bị thay thế.",
                         "A replacement must name the document(s) it replaces.")
    if doc_type in (BusinessDocType.REVOKE, BusinessDocType.UPDATE) and not previous_document_id:
        previous_document_id = header.document_id
    attachments = tuple(a if a.content_id else replace(a, content_id=f"cid:{index + 1}")
                        for index, a in enumerate(attachments))
    business = Business(doc_type=doc_type, reason=reason or DEFAULT_REASONS[doc_type],
                        document_id=previous_document_id, paper="0", staff=staff,
                        document_info=document_info, replacements=replaces)
    return DocumentPackage(header=header, traces=(TraceHeader(header.from_.organ_id, moment),),
                           business=business, attachments=attachments)


def build_document(header: MessageHeader, attachments: Iterable[Attachment] = (), *,
                   limits: Limits = DEFAULT_LIMITS, **options) -> bytes:
    """Bytes of a document package (new by default; ``doc_type`` for revoke/update/replace)."""
    return write_package(document_package(header, attachments, **options), limits)


def status_package(original_header: MessageHeader, code: StatusCode | str, description: str = "", *,
                   reporter: Organization | None = None, staff: StaffInfo | None = None,
                   now: datetime | None = None) -> StatusPackage:
    """Assemble the status reply to a received document."""
    status = StatusCode(code)
    if reporter is None:
        if len(original_header.to) != 1:
            raise EdxmlError("edxml_invalid",
                             "Văn bản gửi nhiều nơi: cần nêu cơ quan báo trạng thái (reporter).",
                             "The document has several recipients: say which one reports the status.",
                             {"recipients": [o.organ_id for o in original_header.to]})
        reporter = original_header.to[0]
    code_text = "/".join(p for p in (original_header.code.code_number, original_header.code.code_notation) if p)
    response = ResponseFor(organ_id=original_header.from_.organ_id, code=code_text,
                           promulgation_date=original_header.promulgation.promulgation_date,
                           document_id=original_header.document_id)
    moment = _now(now)
    return StatusPackage(
        header=StatusHeader(from_=reporter, response_for=response, status_code=status,
                            description=description or STATUS_MEANINGS[status][0], timestamp=moment,
                            staff=staff),
        traces=(TraceHeader(reporter.organ_id, moment),))


def build_status(original_header: MessageHeader, code: StatusCode | str, description: str = "",
                 **options) -> bytes:
    """Bytes of the status reply (01 arrived ... 16 refuses) to a received document."""
    return write_package(status_package(original_header, code, description, **options))
