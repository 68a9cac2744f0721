"""Write edXML packages strictly and always the same way.

One namespace prefix (``edXML``) on every element, elements in the order of QCVN 102:2016, dates in
``yyyy/MM/dd``, the ``Bussiness`` spelling the axis expects, base64 on one line. The same content
always gives the same bytes, so a package's SHA-256 identifies it (the hub uses that to make
re-sending idempotent). No envelope signature is written here; :mod:`.envelope_signature` adds one.
"""

from __future__ import annotations

from lxml import etree

from .attachments import DEFAULT_LIMITS, Limits, check_attachment_size, check_package_size, encode_base64
from .dates import format_date, format_timestamp
from .errors import EdxmlError
from .model import (
    NAMESPACE,
    Business,
    DocumentPackage,
    MessageHeader,
    Organization,
    Package,
    ResponseFor,
    StaffInfo,
    StatusHeader,
    StatusPackage,
    TraceHeader,
)

_NSMAP = {"edXML": NAMESPACE}


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(name))
    if text is not None:
        element.text = text
    return element


def _organization(parent: etree._Element, name: str, org: Organization) -> None:
    element = _sub(parent, name)
    for tag, value in (("OrganId", org.organ_id), ("OrganizationInCharge", org.organization_in_charge),
                       ("OrganName", org.organ_name), ("OrganAdd", org.organ_add), ("Email", org.email),
                       ("Telephone", org.telephone), ("Fax", org.fax), ("Website", org.website)):
        _sub(element, tag, value)


def _response_for(parent: etree._Element, response: ResponseFor) -> None:
    element = _sub(parent, "ResponseFor")
    _sub(element, "OrganId", response.organ_id)
    _sub(element, "Code", response.code)
    _sub(element, "PromulgationDate", format_date(response.promulgation_date))
    _sub(element, "DocumentId", response.document_id)


def _staff(parent: etree._Element, staff: StaffInfo | None) -> None:
    if staff is None:
        return
    element = _sub(parent, "StaffInfo")
    for tag, value in (("Department", staff.department), ("Staff", staff.staff), ("Email", staff.email),
                       ("Mobile", staff.mobile)):
        _sub(element, tag, value)


def _message_header(parent: etree._Element, header: MessageHeader) -> None:
    if not header.from_.organ_id:
        raise EdxmlError("edxml_invalid", "Thiếu mã định danh cơ quan gửi (From/OrganId).",
                         "The sender's OrganId is missing.", {"element": "From/OrganId"})
    if not header.to:
        raise EdxmlError("edxml_invalid", "Văn bản phải có ít nhất một nơi nhận (To).",
                         "A document needs at least one recipient (To).", {"element": "To"})
    mh = _sub(parent, "MessageHeader")
    _organization(mh, "From", header.from_)
    for recipient in header.to:
        _organization(mh, "To", recipient)
    code = _sub(mh, "Code")
    _sub(code, "CodeNumber", header.code.code_number)
    _sub(code, "CodeNotation", header.code.code_notation)
    promulgation = _sub(mh, "PromulgationInfo")
    _sub(promulgation, "Place", header.promulgation.place)
    _sub(promulgation, "PromulgationDate", format_date(header.promulgation.promulgation_date))
    doc_type = _sub(mh, "DocumentType")
    _sub(doc_type, "Type", header.document_type.type)
    _sub(doc_type, "TypeDetail", header.document_type.type_detail)
    _sub(doc_type, "TypeName", header.document_type.type_name)
    _sub(mh, "Subject", header.subject)
    _sub(mh, "Content", header.content)
    signer = _sub(mh, "SignerInfo")
    _sub(signer, "Competence", header.signer.competence)
    _sub(signer, "Position", header.signer.position)
    _sub(signer, "FullName", header.signer.full_name)
    _sub(mh, "DueDate", format_date(header.due_date))
    places = _sub(mh, "ToPlaces")
    for place in header.to_places:
        _sub(places, "Place", place)
    other = _sub(mh, "OtherInfo")
    info = header.other_info
    for tag, value in (("Priority", info.priority), ("SphereOfPromulgation", info.sphere_of_promulgation),
                       ("TyperNotation", info.typer_notation), ("PromulgationAmount", info.promulgation_amount),
                       ("PageAmount", info.page_amount), ("Direction", info.direction)):
        _sub(other, tag, value)
    appendixes = _sub(other, "Appendixes")
    for appendix in info.appendixes:
        _sub(appendixes, "Appendix", appendix)
    for response in header.response_for:
        _response_for(mh, response)
    _sub(mh, "SteeringType", header.steering_type)
    _sub(mh, "DocumentId", header.document_id)


def _status_header(parent: etree._Element, header: StatusHeader) -> None:
    mh = _sub(parent, "MessageHeader")
    _organization(mh, "From", header.from_)
    _response_for(mh, header.response_for)
    _staff(mh, header.staff)
    _sub(mh, "StatusCode", header.status_code.value)
    _sub(mh, "Description", header.description)
    _sub(mh, "Timestamp", format_timestamp(header.timestamp))


def _trace_list(parent: etree._Element, traces: tuple[TraceHeader, ...], business: Business | None) -> None:
    if not traces and business is None:
        return
    trace_list = _sub(parent, "TraceHeaderList")
    for trace in traces:
        element = _sub(trace_list, "TraceHeader")
        _sub(element, "OrganId", trace.organ_id)
        _sub(element, "Timestamp", format_timestamp(trace.timestamp))
    if business is None:
        return
    element = _sub(trace_list, "Bussiness")
    if business.document_id:
        _sub(element, "DocumentId", business.document_id)
    _sub(element, "BussinessDocType", str(business.doc_type.value))
    _sub(element, "BussinessDocReason", business.reason)
    _sub(element, "Paper", business.paper)
    if business.document_info is not None:
        info = _sub(element, "BussinessDocumentInfo")
        _sub(info, "DocumentInfo", business.document_info.document_info)
        _sub(info, "DocumentReceiver", business.document_info.document_receiver)
        receivers = _sub(info, "ReceiverList")
        for receiver in business.document_info.receivers:
            item = _sub(receivers, "Receiver")
            _sub(item, "OrganId", receiver.organ_id)
            _sub(item, "ReceiverType", receiver.receiver_type)
    if business.replacements:
        replacements = _sub(element, "ReplacementInfoList")
        for replacement in business.replacements:
            item = _sub(replacements, "ReplacementInfo")
            _sub(item, "DocumentId", replacement.document_id)
            organs = _sub(item, "OrganIdList")
            for organ_id in replacement.organ_ids:
                _sub(organs, "OrganId", organ_id)
    _staff(element, business.staff)


def write_package(package: Package, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """Serialise a package to canonical edXML bytes (UTF-8, with XML declaration)."""
    root = etree.Element(_q("edXML"), nsmap=_NSMAP)
    envelope = _sub(root, "edXMLEnvelope")
    header = _sub(envelope, "edXMLHeader")
    if isinstance(package, StatusPackage):
        _status_header(header, package.header)
        _trace_list(header, package.traces, None)
    elif isinstance(package, DocumentPackage):
        _message_header(header, package.header)
        _trace_list(header, package.traces, package.business)
        _attachments(root, envelope, package, limits)
    else:  # pragma: no cover - guarded by typing
        raise TypeError(f"not a package: {type(package).__name__}")
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    check_package_size(len(data), limits)
    return data


def _attachments(root: etree._Element, envelope: etree._Element, package: DocumentPackage,
                 limits: Limits) -> None:
    if len(package.attachments) > limits.max_attachments:
        raise EdxmlError("too_many_attachments", f"Quá nhiều tệp đính kèm (tối đa {limits.max_attachments}).",
                         f"Too many attachments (limit {limits.max_attachments}).",
                         {"count": len(package.attachments)})
    ids = [a.content_id for a in package.attachments]
    if any(not i for i in ids) or len(set(ids)) != len(ids):
        raise EdxmlError("attachment_content_id", "Mỗi tệp đính kèm cần một ContentId riêng.",
                         "Every attachment needs its own ContentId.", {"content_ids": ids})
    manifest = _sub(_sub(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    encoded = _sub(root, "AttachmentEncoded")
    for attachment in package.attachments:
        check_attachment_size(attachment.name, len(attachment.data), limits)
        reference = _sub(manifest, "Reference")
        attachment_element = _sub(encoded, "Attachment")
        for parent in (reference, attachment_element):
            _sub(parent, "ContentId", attachment.content_id)
            _sub(parent, "AttachmentName", attachment.name)
            _sub(parent, "Description", attachment.description)
            _sub(parent, "ContentType", attachment.content_type)
        _sub(attachment_element, "ContentTransferEncoded", encode_base64(attachment.data))
