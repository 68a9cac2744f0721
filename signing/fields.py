"""Signature fields: naming, finding existing ones, locks (FieldMDP) and pre-created empty fields.

Why pre-create fields: in a multi-step procedure (teacher → principal → seal) the first signer can
create every signature field up front and lock the content, so each later signer can only fill in
their own field and nothing else in the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from pyhanko.pdf_utils.generic import ArrayObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields as pdf_fields

from .errors import SignatureFieldError
from .settings import Box


@dataclass(frozen=True)
class ExistingField:
    name: str
    signed: bool
    page_index: int | None
    box: Box | None


def existing_signature_fields(writer: IncrementalPdfFileWriter) -> dict[str, ExistingField]:
    found: dict[str, ExistingField] = {}
    page_refs = [ref.idnum for ref in _page_refs(writer)]
    for name, value, ref in pdf_fields.enumerate_sig_fields(writer, filled_status=None):
        field = ref.get_object()
        box = None
        page_index = None
        rect = field.get("/Rect")
        if rect is None and "/Kids" in field:
            kid = field["/Kids"][0].get_object()
            rect, page_ref = kid.get("/Rect"), kid.get_value_as_reference("/P") if "/P" in kid else None
        else:
            page_ref = field.get_value_as_reference("/P") if "/P" in field else None
        if isinstance(rect, ArrayObject):
            x1, y1, x2, y2 = (float(v) for v in rect)
            if x2 > x1 and y2 > y1:
                box = Box(x1, y1, x2, y2)
        if page_ref is not None and page_ref.idnum in page_refs:
            page_index = page_refs.index(page_ref.idnum)
        found[name] = ExistingField(name=name, signed=value is not None, page_index=page_index, box=box)
    return found


def _page_refs(writer: IncrementalPdfFileWriter) -> list:
    count = int(writer.root["/Pages"]["/Count"])
    return [writer.find_page_for_modification(i)[1] for i in range(count)]


def next_field_name(existing: dict[str, ExistingField]) -> str:
    n = len(existing) + 1
    while f"Signature{n}" in existing:
        n += 1
    return f"Signature{n}"


def field_lock_spec(lock_fields: tuple[str, ...], lock_all_except: tuple[str, ...] | None) -> pdf_fields.FieldMDPSpec | None:
    if lock_all_except is not None:
        if not lock_all_except:
            return pdf_fields.FieldMDPSpec(pdf_fields.FieldMDPAction.ALL)
        return pdf_fields.FieldMDPSpec(pdf_fields.FieldMDPAction.EXCLUDE, fields=list(lock_all_except))
    if "*" in lock_fields:
        return pdf_fields.FieldMDPSpec(pdf_fields.FieldMDPAction.ALL)
    if lock_fields:
        return pdf_fields.FieldMDPSpec(pdf_fields.FieldMDPAction.INCLUDE, fields=list(lock_fields))
    return None


@dataclass(frozen=True)
class FieldPlan:
    """An empty signature field to create: name, 1-based page and box."""

    name: str
    page: int
    box: Box


def prepare_signature_fields(pdf_bytes: bytes, plans: list[FieldPlan]) -> bytes:
    """Add empty signature fields (an incremental update) so later signers sign into them."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    existing = existing_signature_fields(writer)
    for plan in plans:
        if plan.name in existing:
            raise SignatureFieldError(
                f"Ô chữ ký “{plan.name}” đã có trong tài liệu.", f"Signature field {plan.name!r} already exists.",
                code="field_exists", details={"field": plan.name},
            )
        pdf_fields.append_signature_field(
            writer, pdf_fields.SigFieldSpec(sig_field_name=plan.name, on_page=plan.page - 1, box=plan.box.as_tuple())
        )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
