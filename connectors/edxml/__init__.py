"""edXML (QCVN 102:2016) packages: read tolerantly, write canonically, sign and check envelopes.

Public API::

    read_package(bytes) -> DocumentPackage | StatusPackage
    write_package(package) -> bytes
    build_document(header, attachments, doc_type=...) -> bytes
    build_status(original_header, code, description) -> bytes
    make_attachment(name, data) -> Attachment
    sign_envelope(bytes, key_pem, cert_pem) -> bytes;  check_envelope(bytes, trusted_certs)
    receive_package(bytes, attachment_validator=...) -> ReceiptReport
"""

from .attachments import DEFAULT_LIMITS, Limits, make_attachment
from .builder import build_document, build_status, document_package, status_package
from .envelope_signature import SignatureCheck, check_envelope, sign_envelope
from .errors import EdxmlError, Finding
from .model import (
    NAMESPACE,
    STATUS_MEANINGS,
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    Code,
    DocumentPackage,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    Package,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusHeader,
    StatusPackage,
    TraceHeader,
    make_document_id,
    split_document_id,
)
from .reader import read_package, read_package_tree
from .receipt import AttachmentReport, ReceiptReport, describe_receipt, receive_package
from .summary import package_summary
from .writer import write_package

__all__ = [
    "DEFAULT_LIMITS", "NAMESPACE", "STATUS_MEANINGS", "Attachment", "AttachmentReport", "Business",
    "BusinessDocType", "BusinessDocumentInfo", "Code", "DocumentPackage", "DocumentType", "EdxmlError",
    "Finding", "Limits", "MessageHeader", "Organization", "OtherInfo", "Package", "PromulgationInfo",
    "ReceiptReport", "Receiver", "ReplacementInfo", "ResponseFor", "SignatureCheck", "SignerInfo", "StaffInfo",
    "StatusCode", "StatusHeader", "StatusPackage", "TraceHeader", "build_document", "build_status",
    "check_envelope", "describe_receipt", "document_package", "make_attachment", "make_document_id", "package_summary", "read_package", "read_package_tree",
    "receive_package", "sign_envelope", "split_document_id", "status_package", "write_package",
]
