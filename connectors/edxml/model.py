"""The content of an edXML package (QCVN 102:2016) as plain, comparable values.

Frozen dataclasses with tuples: two packages are equal when their content is equal, which is what
the round-trip tests and the receiver's de-duplication rely on. Field names follow the standard's
element names (``OrganId`` -> ``organ_id``); dates are real dates, free text stays text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum
from functools import cached_property

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


class BusinessDocType(IntEnum):
    """``TraceHeaderList/Bussiness/BussinessDocType``: what the package does to a document."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


class StatusCode(StrEnum):
    """``StatusCode`` of a status package; the values are the two-digit codes on the wire."""

    ARRIVED = "01"
    REJECTED = "02"
    ACCEPTED = "03"
    ASSIGNED = "04"
    PROCESSING = "05"
    FINISHED = "06"
    SENDER_RECALLS = "13"
    RECEIVER_AGREES = "15"
    RECEIVER_REFUSES = "16"


STATUS_MEANINGS: dict[StatusCode, tuple[str, str]] = {
    StatusCode.ARRIVED: ("Đã đến", "arrived"),
    StatusCode.REJECTED: ("Từ chối tiếp nhận", "rejected"),
    StatusCode.ACCEPTED: ("Đã tiếp nhận, vào sổ", "accepted and registered"),
    StatusCode.ASSIGNED: ("Đã phân công xử lý", "assigned"),
    StatusCode.PROCESSING: ("Đang xử lý", "processing"),
    StatusCode.FINISHED: ("Hoàn thành xử lý", "finished"),
    StatusCode.SENDER_RECALLS: ("Bên gửi yêu cầu lấy lại", "the sender recalls it"),
    StatusCode.RECEIVER_AGREES: ("Đồng ý cập nhật/lấy lại", "the receiver agrees to the update/recall"),
    StatusCode.RECEIVER_REFUSES: ("Từ chối cập nhật/lấy lại", "the receiver refuses the update/recall"),
}


@dataclass(frozen=True)
class Organization:
    """``From``/``To``: an agency on the axis."""

    organ_id: str
    organ_name: str = ""
    organization_in_charge: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Code:
    """``Code``: the document's number and notation, e.g. 7816 / VPCP-TTĐT."""

    code_number: str = ""
    code_notation: str = ""


@dataclass(frozen=True)
class PromulgationInfo:
    place: str = ""
    promulgation_date: date | None = None


@dataclass(frozen=True)
class DocumentType:
    type: str = ""
    type_detail: str = ""
    type_name: str = ""


@dataclass(frozen=True)
class SignerInfo:
    competence: str = ""
    position: str = ""
    full_name: str = ""


@dataclass(frozen=True)
class OtherInfo:
    priority: str = ""
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: str = ""
    page_amount: str = ""
    direction: str = ""
    appendixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseFor:
    """The document this package answers (a reply document, or the subject of a status)."""

    organ_id: str = ""
    code: str = ""
    promulgation_date: date | None = None
    document_id: str = ""

    def is_empty(self) -> bool:
        return not (self.organ_id or self.code or self.promulgation_date or self.document_id)


@dataclass(frozen=True)
class StaffInfo:
    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class TraceHeader:
    organ_id: str
    timestamp: datetime | None = None


@dataclass(frozen=True)
class ReplacementInfo:
    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Receiver:
    organ_id: str
    receiver_type: str = ""


@dataclass(frozen=True)
class BusinessDocumentInfo:
    """For an update (type 2): what changed (document info and/or receivers)."""

    document_info: str = ""
    document_receiver: str = ""
    receivers: tuple[Receiver, ...] = ()


@dataclass(frozen=True)
class Business:
    """``TraceHeaderList/Bussiness`` (spelled so in the standard and every real package)."""

    doc_type: BusinessDocType = BusinessDocType.NEW
    reason: str = ""
    document_id: str = ""
    paper: str = ""
    staff: StaffInfo | None = None
    document_info: BusinessDocumentInfo | None = None
    replacements: tuple[ReplacementInfo, ...] = ()


@dataclass(frozen=True)
class MessageHeader:
    """The header of a document package."""

    from_: Organization
    to: tuple[Organization, ...]
    code: Code = Code()
    promulgation: PromulgationInfo = PromulgationInfo()
    document_type: DocumentType = DocumentType()
    subject: str = ""
    content: str = ""
    signer: SignerInfo = SignerInfo()
    due_date: date | None = None
    to_places: tuple[str, ...] = ()
    other_info: OtherInfo = OtherInfo()
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: str = ""
    document_id: str = ""


@dataclass(frozen=True)
class StatusHeader:
    """The header of a status package: who reports which status on which document."""

    from_: Organization
    response_for: ResponseFor
    status_code: StatusCode
    description: str = ""
    timestamp: datetime | None = None
    staff: StaffInfo | None = None


@dataclass(frozen=True)
class Attachment:
    """One file carried in ``AttachmentEncoded``; ``data`` is the decoded content."""

    name: str
    content_type: str
    data: bytes
    content_id: str = ""
    description: str = ""

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of ``data``, computed once: the receipt, the case data and the stored file all use it."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class EnvelopeSignatureInfo:
    """What sits in ``edXMLHeader/Signature``: nothing, the SDK's placeholder, or XML-DSig."""

    kind: str = "absent"  # absent | placeholder | xmldsig
    algorithm: str = ""
    subject: str = ""


@dataclass(frozen=True)
class DocumentPackage:
    header: MessageHeader
    traces: tuple[TraceHeader, ...] = ()
    business: Business | None = None
    attachments: tuple[Attachment, ...] = ()
    signature: EnvelopeSignatureInfo = field(default=EnvelopeSignatureInfo(), compare=False)
    findings: tuple = field(default=(), compare=False)

    @property
    def kind(self) -> str:
        return "edoc"


@dataclass(frozen=True)
class StatusPackage:
    header: StatusHeader
    traces: tuple[TraceHeader, ...] = ()
    signature: EnvelopeSignatureInfo = field(default=EnvelopeSignatureInfo(), compare=False)
    findings: tuple = field(default=(), compare=False)

    @property
    def kind(self) -> str:
        return "status"


Package = DocumentPackage | StatusPackage

_DOCUMENT_ID = re.compile(r"^(?P<organ>[^,]+),(?P<date>[^,]+),(?P<number>[^/]*)/(?P<notation>.*)$")


@dataclass(frozen=True)
class DocumentIdParts:
    """``{senderOrganId},{yyyy/MM/dd},{number}/{notation}``; the date is kept as written."""

    organ_id: str
    date_text: str
    number: str
    notation: str


def make_document_id(organ_id: str, promulgated: date, number: str, notation: str) -> str:
    return f"{organ_id},{promulgated.strftime('%Y/%m/%d')},{number}/{notation}"


def split_document_id(document_id: str) -> DocumentIdParts | None:
    """Split a DocumentId, or ``None`` when it does not follow the layout (some systems send a UUID)."""
    match = _DOCUMENT_ID.match(document_id.strip())
    if not match:
        return None
    return DocumentIdParts(match["organ"], match["date"], match["number"], match["notation"])
