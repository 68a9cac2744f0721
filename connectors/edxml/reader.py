"""Read edXML packages as real systems write them.

Tolerant by design: the element is spelled ``Bussiness``, dates come in two layouts, the SDK puts a
placeholder ``Signature`` in the edXML namespace, one sample nests ``From`` inside ``From``, another
leaves a template string where the base64 should be. Every tolerated quirk is recorded as a
:class:`Finding` on the package instead of being silently swallowed. Elements are matched by local
name because real packages mix the edXML namespace, the default namespace and no namespace.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from functools import lru_cache

from lxml import etree

from .attachments import DEFAULT_LIMITS, Limits, check_attachment_size, check_package_size, decode_base64
from .dates import parse_date, parse_timestamp
from .errors import EdxmlError, Finding
from .model import (
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    Code,
    DocumentPackage,
    DocumentType,
    EnvelopeSignatureInfo,
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
)
from .safe_xml import parse_untrusted

XMLDSIG_NS = "http://www.w3.org/2000/09/xmldsig#"


def _local(element: etree._Element) -> str:
    """Local name; also strips an undeclared prefix kept literally by recovery (``edXML:Attachment``)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return _local_name(tag)


@lru_cache(maxsize=1024)
def _local_name(tag: str) -> str:
    # a package has a few dozen distinct tags, looked up hundreds of times; the bound keeps a hostile
    # package with thousands of invented tags from growing the cache
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


# While read_package_tree reads one package: element -> {local name: [children, in document order]}.
# The reader asks each element for a dozen or more names, and scanning every child for each asked
# name cost more than the XML parse. A context variable: hub threads read packages at the same time.
_CHILD_INDEX: ContextVar[dict[etree._Element, dict[str, list[etree._Element]]] | None] = ContextVar(
    "edxml_child_index", default=None)


def _by_name(element: etree._Element) -> dict[str, list[etree._Element]]:
    """``element``'s children by local name; built once per element while a package is read.

    The reader asks ~80 questions of ~20 elements per package; each answer is one or two dictionary
    look-ups here, without the iterator and generator layers each question went through before.
    """
    index = _CHILD_INDEX.get()
    by_name = index.get(element) if index is not None else None  # lxml elements hash by identity
    if by_name is None:
        by_name = {}
        for child in element:
            tag = child.tag
            name = _local_name(tag) if isinstance(tag, str) else ""
            found = by_name.get(name)
            if found is None:
                by_name[name] = [child]
            else:
                found.append(child)
        if index is not None:
            index[element] = by_name  # the key keeps the proxy alive, so the same element comes back
    return by_name


def _children(element: etree._Element | None, name: str) -> Sequence[etree._Element]:
    """The children of ``element`` called ``name`` (any namespace or prefix), in document order."""
    if element is None:
        return ()
    return _by_name(element).get(name, ())


def _child(element: etree._Element | None, name: str) -> etree._Element | None:
    if element is None:
        return None
    found = _by_name(element).get(name)
    return found[0] if found else None


def _text(element: etree._Element | None, name: str) -> str:
    if element is None:
        return ""
    found = _by_name(element).get(name)
    return (found[0].text or "").strip() if found else ""


def _missing(what: str) -> EdxmlError:
    return EdxmlError("edxml_missing_element", f"Gói tin thiếu phần tử bắt buộc {what}.",
                      f"The package lacks the required element {what}.", {"element": what})


class _Reader:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.findings: list[Finding] = []

    def note(self, code: str, vi: str, en: str, details: object = None) -> None:
        self.findings.append(Finding(code, vi, en, details))

    def date(self, element: etree._Element | None, name: str):
        text = _text(element, name)
        try:
            return parse_date(text)
        except ValueError:
            self.note("date_unreadable", f"Không đọc được ngày ở {name}: '{text}'.",
                      f"Unreadable date in {name}: '{text}'.", {"element": name, "text": text})
            return None

    def timestamp(self, element: etree._Element | None, name: str):
        text = _text(element, name)
        try:
            return parse_timestamp(text)
        except ValueError:
            self.note("date_unreadable", f"Không đọc được thời điểm ở {name}: '{text}'.",
                      f"Unreadable timestamp in {name}: '{text}'.", {"element": name, "text": text})
            return None

    def organization(self, element: etree._Element) -> Organization:
        inner = _child(element, _local(element))
        if inner is not None:
            self.note("nested_organization", f"Phần tử {_local(element)} lồng nhau; dùng phần tử bên trong.",
                      f"Nested {_local(element)} element; the inner one is used.")
            element = inner
        return Organization(
            organ_id=_text(element, "OrganId"), organ_name=_text(element, "OrganName"),
            organization_in_charge=_text(element, "OrganizationInCharge"),
            organ_add=_text(element, "OrganAdd"), email=_text(element, "Email"),
            telephone=_text(element, "Telephone"), fax=_text(element, "Fax"),
            website=_text(element, "Website"))

    def response_for(self, element: etree._Element) -> ResponseFor:
        return ResponseFor(organ_id=_text(element, "OrganId"), code=_text(element, "Code"),
                           promulgation_date=self.date(element, "PromulgationDate"),
                           document_id=_text(element, "DocumentId"))

    @staticmethod
    def staff(element: etree._Element | None) -> StaffInfo | None:
        if element is None:
            return None
        return StaffInfo(department=_text(element, "Department"), staff=_text(element, "Staff"),
                         email=_text(element, "Email"), mobile=_text(element, "Mobile"))

    def message_header(self, mh: etree._Element) -> MessageHeader:
        sender = _child(mh, "From")
        if sender is None:
            raise _missing("MessageHeader/From")
        code = _child(mh, "Code")
        promulgation = _child(mh, "PromulgationInfo")
        doc_type = _child(mh, "DocumentType")
        signer = _child(mh, "SignerInfo")
        other = _child(mh, "OtherInfo")
        responses = tuple(r for r in (self.response_for(e) for e in _children(mh, "ResponseFor"))
                          if not r.is_empty())
        return MessageHeader(
            from_=self.organization(sender),
            to=tuple(self.organization(e) for e in _children(mh, "To")),
            code=Code(_text(code, "CodeNumber"), _text(code, "CodeNotation")),
            promulgation=PromulgationInfo(_text(promulgation, "Place"),
                                          self.date(promulgation, "PromulgationDate")),
            document_type=DocumentType(_text(doc_type, "Type"), _text(doc_type, "TypeDetail"),
                                       _text(doc_type, "TypeName")),
            subject=_text(mh, "Subject"), content=_text(mh, "Content"),
            signer=SignerInfo(_text(signer, "Competence"), _text(signer, "Position"),
                              _text(signer, "FullName")),
            due_date=self.date(mh, "DueDate"),
            to_places=tuple((p.text or "").strip() for p in _children(_child(mh, "ToPlaces"), "Place")),
            other_info=OtherInfo(
                priority=_text(other, "Priority"),
                sphere_of_promulgation=_text(other, "SphereOfPromulgation"),
                typer_notation=_text(other, "TyperNotation"),
                promulgation_amount=_text(other, "PromulgationAmount"),
                page_amount=_text(other, "PageAmount"), direction=_text(other, "Direction"),
                appendixes=tuple((a.text or "").strip()
                                 for a in _children(_child(other, "Appendixes"), "Appendix"))),
            response_for=responses, steering_type=_text(mh, "SteeringType"),
            document_id=_text(mh, "DocumentId"))

    def status_header(self, mh: etree._Element) -> StatusHeader:
        sender = _child(mh, "From")
        response = _child(mh, "ResponseFor")
        if sender is None:
            raise _missing("MessageHeader/From")
        if response is None:
            raise _missing("MessageHeader/ResponseFor")
        raw_code = _text(mh, "StatusCode")
        try:
            code = StatusCode(raw_code.zfill(2))
        except ValueError:
            raise EdxmlError("status_code_unknown", f"Mã trạng thái không hợp lệ: '{raw_code}'.",
                             f"Unknown StatusCode '{raw_code}'.", {"status_code": raw_code}) from None
        return StatusHeader(from_=self.organization(sender), response_for=self.response_for(response),
                            status_code=code, description=_text(mh, "Description"),
                            timestamp=self.timestamp(mh, "Timestamp"),
                            staff=self.staff(_child(mh, "StaffInfo")))

    def traces(self, trace_list: etree._Element | None) -> tuple[TraceHeader, ...]:
        return tuple(TraceHeader(_text(t, "OrganId"), self.timestamp(t, "Timestamp"))
                     for t in _children(trace_list, "TraceHeader"))

    def business(self, trace_list: etree._Element | None) -> Business | None:
        element = _child(trace_list, "Bussiness")
        if element is None:
            element = _child(trace_list, "Business")
        if element is None:
            return None
        raw_type = _text(element, "BussinessDocType") or _text(element, "BusinessDocType") or "0"
        try:
            doc_type = BusinessDocType(int(raw_type))
        except ValueError:
            raise EdxmlError("business_doc_type_unknown", f"BussinessDocType không hợp lệ: '{raw_type}'.",
                             f"Unknown BussinessDocType '{raw_type}'.", {"value": raw_type}) from None
        info = _child(element, "BussinessDocumentInfo")
        document_info = None
        if info is not None:
            document_info = BusinessDocumentInfo(
                document_info=_text(info, "DocumentInfo"), document_receiver=_text(info, "DocumentReceiver"),
                receivers=tuple(Receiver(_text(r, "OrganId"), _text(r, "ReceiverType"))
                                for r in _children(_child(info, "ReceiverList"), "Receiver")))
        replacements = tuple(
            ReplacementInfo(_text(r, "DocumentId"),
                            tuple((o.text or "").strip() for o in _children(_child(r, "OrganIdList"), "OrganId")))
            for r in _children(_child(element, "ReplacementInfoList"), "ReplacementInfo"))
        return Business(doc_type=doc_type, reason=_text(element, "BussinessDocReason"),
                        document_id=_text(element, "DocumentId"), paper=_text(element, "Paper"),
                        staff=self.staff(_child(element, "StaffInfo")), document_info=document_info,
                        replacements=replacements)

    def signature(self, header: etree._Element) -> EnvelopeSignatureInfo:
        element = _child(header, "Signature")
        if element is None:
            return EnvelopeSignatureInfo()
        method = next((e for e in element.iter() if _local(e) == "SignatureMethod"), None)
        subject = next((e for e in element.iter() if _local(e) == "X509SubjectName"), None)
        algorithm = method.get("Algorithm", "") if method is not None else ""
        subject_text = (subject.text or "").strip() if subject is not None else ""
        if etree.QName(element).namespace != XMLDSIG_NS:
            self.note("signature_placeholder",
                      "Chữ ký phong bì là chữ ký giữ chỗ của SDK (không thuộc không gian tên XML-DSig), không kiểm tra được.",
                      "The envelope signature is the SDK's placeholder (not in the XML-DSig namespace); "
                      "it cannot be verified.")
            return EnvelopeSignatureInfo("placeholder", algorithm, subject_text)
        return EnvelopeSignatureInfo("xmldsig", algorithm, subject_text)

    def attachments(self, root: etree._Element, body: etree._Element | None,
                    decode: bool = True) -> tuple[Attachment, ...]:
        manifest = {_text(r, "ContentId"): r for r in _children(_child(body, "edXMLManifest"), "Reference")}
        items = list(_children(_child(root, "AttachmentEncoded"), "Attachment"))
        if len(items) > self.limits.max_attachments:
            raise EdxmlError("too_many_attachments",
                             f"Gói tin có {len(items)} tệp đính kèm, tối đa {self.limits.max_attachments}.",
                             f"The package has {len(items)} attachments, limit {self.limits.max_attachments}.",
                             {"count": len(items), "limit": self.limits.max_attachments})
        result = []
        for item in items:
            content_id = _text(item, "ContentId")
            reference = manifest.get(content_id)
            name = _text(item, "AttachmentName") or _text(reference, "AttachmentName")
            encoded = _child(item, "ContentTransferEncoded")
            text = (encoded.text or "") if encoded is not None else ""
            if not decode:
                check_attachment_size(name, len(text) * 3 // 4, self.limits)  # whitespace counted: an upper bound
                continue
            data = decode_base64(name, text, self.limits)
            if data is None:
                self.note("attachment_not_base64",
                          f"Nội dung tệp '{name}' không phải base64; tệp được coi là rỗng.",
                          f"The content of '{name}' is not base64; the attachment is read as empty.",
                          {"name": name, "content_start": (encoded.text or "")[:40]})
                data = b""
            result.append(Attachment(
                name=name, data=data, content_id=content_id,
                content_type=_text(item, "ContentType") or _text(reference, "ContentType"),
                description=_text(item, "Description") or _text(reference, "Description")))
        return tuple(result)


def read_package(data: bytes, limits: Limits = DEFAULT_LIMITS, *, decode_attachments: bool = True) -> Package:
    """Read a document or status package from bytes; raise :class:`EdxmlError` when it is refused.

    ``decode_attachments=False`` (the hub, which only routes): attachments are counted and their
    sizes checked, so the same packages are refused, but not decoded, and ``attachments`` is empty.
    """
    return read_package_tree(data, limits, decode_attachments=decode_attachments)[0]


def read_package_tree(data: bytes, limits: Limits = DEFAULT_LIMITS, *,
                      decode_attachments: bool = True) -> tuple[Package, etree._Element]:
    """:func:`read_package`, also returning the parsed XML root (read-only), so that a receiver checks the
    envelope signature (:func:`~.envelope_signature.check_envelope` ``root=``) without parsing again."""
    token = _CHILD_INDEX.set({})
    try:
        return _read(data, limits, decode_attachments)
    finally:
        _CHILD_INDEX.reset(token)


def _read(data: bytes, limits: Limits, decode_attachments: bool) -> tuple[Package, etree._Element]:
    check_package_size(len(data), limits)
    parsed = parse_untrusted(data)
    root = parsed.root
    if _local(root) != "edXML":
        raise EdxmlError("not_edxml", "Tệp không phải gói tin edXML.", "The file is not an edXML package.",
                         {"root": _local(root)})
    envelope = _child(root, "edXMLEnvelope")
    header = _child(envelope, "edXMLHeader")
    message_header = _child(header, "MessageHeader")
    if message_header is None:
        raise _missing("edXMLEnvelope/edXMLHeader/MessageHeader")
    reader = _Reader(limits)
    if parsed.repairs:
        reader.note("xml_repaired",
                    "Gói tin không đúng cú pháp XML; đã sửa các lỗi đã biết của SDK: " + ", ".join(parsed.repairs) + ".",
                    "The package is not well-formed; known SDK faults were repaired: " + ", ".join(parsed.repairs) + ".",
                    {"repairs": list(parsed.repairs)})
    trace_list = _child(header, "TraceHeaderList")
    signature = reader.signature(header)
    if _child(message_header, "StatusCode") is not None:
        status = reader.status_header(message_header)
        return StatusPackage(header=status, traces=reader.traces(trace_list), signature=signature,
                             findings=tuple(reader.findings)), root
    document = reader.message_header(message_header)
    business = reader.business(trace_list)
    attachments = reader.attachments(root, _child(envelope, "edXMLBody"), decode_attachments)
    return DocumentPackage(header=document, traces=reader.traces(trace_list), business=business,
                           attachments=attachments, signature=signature, findings=tuple(reader.findings)), root
