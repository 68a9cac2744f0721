"""Result documents of procedures: a template and the case's data in, a PDF ready for signing out.

Public API::

    from app.documents import DocumentRequest, Issuer, render_document, TEMPLATES
    doc = render_document(DocumentRequest("transcript", "Bảng điểm", case_data, case_id, Issuer(...)))
    doc.pdf, doc.file_name, doc.signature_page, doc.signature_box

Templates: ``transcript`` (QT13) and the generic ``decision``, ``certificate``, ``notice``,
``official_letter``, ``minutes``, ``receipt``. Every document leaves the signature box empty at the
same place on its last page (see :mod:`app.documents.layout`), where ``sign_document`` draws the
person's signature and then the seal over its left third.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from .administrative import KINDS, number_for, render_administrative
from .context import DocumentRequest, Issuer, RenderedDocument
from .layout import PERSON_BOX, DocumentPage, SignatureBox
from .transcript import language_of, render_transcript

Renderer = Callable[[DocumentPage, DocumentRequest], str]
TEMPLATES: dict[str, Renderer] = {"transcript": render_transcript, **{k: render_administrative for k in KINDS}}
RECIPIENTS = ("Người đề nghị", "Lưu: VT, đơn vị xử lý")


class UnknownTemplate(ValueError):
    """The procedure asked for a template this installation does not have."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.message_vi = (f"Không có mẫu văn bản “{template}”; các mẫu có sẵn: "
                           + ", ".join(sorted(TEMPLATES)) + ".")
        self.message_en = f"No document template {template!r}; available: {', '.join(sorted(TEMPLATES))}."
        super().__init__(self.message_en)


def render_document(request: DocumentRequest) -> RenderedDocument:
    """Render ``request`` to PDF bytes. Raises :class:`UnknownTemplate` for a template not listed."""
    renderer = TEMPLATES.get(request.template)
    if renderer is None:
        raise UnknownTemplate(request.template)
    number = number_for(request.template, request.case_id, request.issuer.abbr)
    page = DocumentPage(title=request.title or request.template, author=request.issuer.organisation)
    english = request.template == "transcript" and language_of(request.data) in ("en", "both")
    page.national_header(request.issuer.parent_org, request.issuer.organisation, number, request.issuer.place,
                         request.issued_on, english=english)
    authority = renderer(page, request)
    box = page.signature_block(authority.split("\n"), request.recipients or RECIPIENTS)
    pdf = bytes(page.output())
    return RenderedDocument(pdf=pdf, file_name=file_name_for(request), number=number, pages=page.pages_count,
                            signature_page=page.pages_count, signature_box=box)


def file_name_for(request: DocumentRequest) -> str:
    """``<case>-<ascii slug of the title>.pdf``: stable, safe in any file system and download header."""
    plain = unicodedata.normalize("NFKD", (request.title or request.template).replace("đ", "d").replace("Đ", "D"))
    slug = re.sub(r"[^a-z0-9]+", "-", plain.encode("ascii", "ignore").decode().lower()).strip("-")[:60]
    return f"{request.case_id}-{slug or request.template}.pdf"


__all__ = ["PERSON_BOX", "TEMPLATES", "DocumentRequest", "Issuer", "RenderedDocument", "SignatureBox",
           "UnknownTemplate", "file_name_for", "render_document"]
