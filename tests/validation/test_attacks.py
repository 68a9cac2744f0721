"""Crafted attack files (ISA, SWA, USF, shadow attacks): each must be reported invalid or modified.

Validation runs offline with the lenient policy so that the baseline signature PASSES and every
change in verdict is due to the attack alone.
"""

from __future__ import annotations

import io
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.validation import Indication, validate_pdf

FAILED = Indication.FAILED


def verdict(pdf: bytes, store):
    report = validate_pdf(pdf, trust_store=store, policy="lenient", offline=True)
    return report


def test_baseline_passes(signed_bb, test_store):
    sig = verdict(signed_bb, test_store).signatures[0]
    assert sig.indication is Indication.PASSED


def _incremental(signed: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _page(writer):
    return writer.root["/Pages"]["/Kids"][0]


def test_isa_page_content_replaced_in_incremental_update(signed_bb, test_store):
    def change(writer):
        page = _page(writer).get_object()
        stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 700 Td (Khong cong nhan) Tj ET")
        page["/Contents"] = writer.add_object(stream)
        writer.update_container(page)
    sig = verdict(_incremental(signed_bb, change), test_store).signatures[0]
    assert (sig.indication, sig.sub_indication) == (FAILED, "MODIFIED_AFTER_SIGNING")


def test_shadow_replace_existing_object_redefined_in_later_revision(signed_bb, test_store):
    """Same object number, new content: the xref of the update points the old number elsewhere."""
    def change(writer):
        contents_ref = _page(writer).get_object().raw_get("/Contents")
        stream = contents_ref.get_object()
        stream._data = b"BT /F1 24 Tf 72 700 Td (Noi dung da bi thay) Tj ET"
        stream._encoded_data = None
        if "/Filter" in stream:
            del stream["/Filter"]
        writer.mark_update(contents_ref)
    sig = verdict(_incremental(signed_bb, change), test_store).signatures[0]
    assert (sig.indication, sig.sub_indication) == (FAILED, "MODIFIED_AFTER_SIGNING")


def test_shadow_hide_overlay_annotation_added_after_signing(signed_bb, test_store):
    def change(writer):
        page = _page(writer).get_object()
        annot = generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Square"),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 600, 800)]),
            generic.NameObject("/IC"): generic.ArrayObject([generic.FloatObject(1)] * 3),
        })
        annots = page.get("/Annots", generic.ArrayObject())
        annots = generic.ArrayObject([*annots, writer.add_object(annot)])
        page["/Annots"] = annots
        writer.update_container(page)
    sig = verdict(_incremental(signed_bb, change), test_store).signatures[0]
    assert (sig.indication, sig.sub_indication) == (FAILED, "MODIFIED_AFTER_SIGNING")


def test_shadow_hide_and_replace_new_page_tree_in_later_revision(signed_bb, test_store):
    def change(writer):
        new_page = generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
            generic.NameObject("/Contents"): writer.add_object(generic.StreamObject(stream_data=b"BT ET")),
        })
        pages = writer.root["/Pages"].get_object()
        page_ref = writer.add_object(new_page)
        new_page[generic.NameObject("/Parent")] = writer.root.raw_get("/Pages")
        pages["/Kids"] = generic.ArrayObject([page_ref])
        writer.update_container(pages)
    sig = verdict(_incremental(signed_bb, change), test_store).signatures[0]
    assert (sig.indication, sig.sub_indication) == (FAILED, "MODIFIED_AFTER_SIGNING")


def test_appearance_swap_of_the_signature_widget(signed_bb, test_store):
    def change(writer):
        field = writer.root["/AcroForm"]["/Fields"][0].get_object()
        ap_stream = generic.StreamObject({
            generic.NameObject("/Type"): generic.NameObject("/XObject"),
            generic.NameObject("/Subtype"): generic.NameObject("/Form"),
            generic.NameObject("/BBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 100, 50)]),
        }, stream_data=b"0 0 1 rg 0 0 100 50 re f")
        field["/AP"] = generic.DictionaryObject({generic.NameObject("/N"): writer.add_object(ap_stream)})
        writer.update_container(field)
    sig = verdict(_incremental(signed_bb, change), test_store).signatures[0]
    assert sig.indication is FAILED


def _byte_range(pdf: bytes) -> tuple[re.Match, list[int]]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    return match, [int(x) for x in match.groups()]


def _rewrite_byte_range(pdf: bytes, values: list[int]) -> bytes:
    match, _ = _byte_range(pdf)
    old = match.group(0)
    new = ("/ByteRange [{} {} {} {}]".format(*values)).encode()
    assert len(new) <= len(old)
    return pdf[:match.start()] + new.ljust(len(old)) + pdf[match.end():]


def test_swa_byte_range_moved_to_exclude_changed_bytes(signed_bb, test_store):
    """Wrapping: the ranges are shifted so that part of the document is no longer covered."""
    _, (a, b, c, d) = _byte_range(signed_bb)
    tampered = _rewrite_byte_range(signed_bb, [a, b - 100, c, d])
    report = verdict(tampered, test_store)
    assert report.signatures[0].indication is FAILED


def test_swa_content_appended_after_signed_range(signed_bb, test_store):
    _, (a, b, c, d) = _byte_range(signed_bb)
    tampered = _rewrite_byte_range(signed_bb, [a, b, c, d - 200])
    assert verdict(tampered, test_store).signatures[0].indication is FAILED


def _replace_contents(pdf: bytes, new: bytes) -> bytes:
    match = re.search(rb"/Contents\s*<([0-9a-fA-F]+)>", pdf)
    start, end = match.span(0)
    replacement = new.ljust(end - start)
    return pdf[:start] + replacement + pdf[end:]


@pytest.mark.parametrize("contents", [b"/Contents <>", b"/Contents null", b"/Contents <00>", b"/Contents 0"])
def test_usf_empty_or_null_contents(signed_bb, test_store, contents):
    tampered = _replace_contents(signed_bb, contents)
    sigs = verdict(tampered, test_store).signatures
    assert sigs and all(s.indication is FAILED for s in sigs)


def test_usf_byte_range_missing(signed_bb, test_store):
    match, _ = _byte_range(signed_bb)
    tampered = signed_bb[:match.start()] + b" " * (match.end() - match.start()) + signed_bb[match.end():]
    sigs = verdict(tampered, test_store).signatures
    assert sigs and all(s.indication is FAILED for s in sigs)


def test_usf_odd_byte_range(signed_bb, test_store):
    match, (a, b, c, d) = _byte_range(signed_bb)
    new = b"/ByteRange [%d %d %d]" % (a, b, c)
    tampered = signed_bb[:match.start()] + new.ljust(match.end() - match.start()) + signed_bb[match.end():]
    sigs = verdict(tampered, test_store).signatures
    assert sigs and all(s.indication is FAILED for s in sigs)


def test_reader_sees_the_attacked_files_as_pdfs(signed_bb):
    assert PdfFileReader(io.BytesIO(signed_bb)).embedded_signatures
