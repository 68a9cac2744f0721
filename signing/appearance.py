"""Signature appearances per Decree 30/2020/NĐ-CP, Appendix I.

* person: the image of the handwritten signature (blue, transparent) fills the box;
* seal: the organisation's red seal at real size (default 36 mm), transparent, covering about the
  left third of the person's signature, with the organisation's name and the signing time
  (ISO 8601, +07:00) under it;
* attachment: no image, top right of the first page: number/symbol and time, Times New Roman metrics
  (Liberation Serif, embedded) 10 pt.

Why an embedded TrueType font: the PDF standard 14 fonts cannot show Vietnamese diacritics.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import BaseStampStyle, StaticStampStyle, TextStampStyle

from .demo_images import handwritten_signature_png, seal_png
from .errors import SignatureFieldError
from .keys.base import KeySource
from .settings import AppearanceKind, Box, SignatureRequest

FONT_PATH = Path(__file__).parent / "assets" / "LiberationSerif-Regular.ttf"
MM = 72 / 25.4
DEFAULT_PERSON_BOX = Box(360, 120, 520, 184)
ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%:z"


@dataclass(frozen=True)
class DrawnAppearance:
    style: BaseStampStyle | None
    box: Box | None
    text_params: dict[str, Any] = field(default_factory=dict)


def iso_time(moment: dt.datetime) -> str:
    """ISO 8601 with the +07:00 offset (Vietnam time), as the decree asks."""
    return moment.astimezone(dt.timezone(dt.timedelta(hours=7))).isoformat(timespec="seconds")


def _font(size: int) -> GlyphAccumulatorFactory:
    return GlyphAccumulatorFactory(str(FONT_PATH), font_size=size)


def _image(png: bytes) -> PdfImage:
    return PdfImage(Image.open(BytesIO(png)))


def build(request: SignatureRequest, key_source: KeySource, writer: IncrementalPdfFileWriter,
          existing: dict, field_name: str, signing_time: dt.datetime) -> DrawnAppearance:
    """The pyHanko stamp style and box for ``request.appearance`` (None style = invisible)."""
    spec = request.appearance
    kind = spec.kind
    if kind == AppearanceKind.NONE:
        return DrawnAppearance(None, request.box)
    if field_name in existing and existing[field_name].box is not None:
        prepared_box: Box | None = existing[field_name].box
    else:
        prepared_box = None
    organisation = spec.organisation or _organisation_of(key_source)
    if kind == AppearanceKind.PERSON:
        style = StaticStampStyle(background=_image(spec.image_png or handwritten_signature_png()),
                                 background_opacity=1.0, border_width=0,
                                 background_layout=layout.SimpleBoxLayoutRule(
                                     x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
                                     inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT))
        return DrawnAppearance(style, request.box or prepared_box or DEFAULT_PERSON_BOX)
    if kind == AppearanceKind.SEAL:
        box = request.box or prepared_box or _seal_box(spec.seal_diameter_mm, existing, spec.overlap_field)
        diameter = spec.seal_diameter_mm * MM
        style = TextStampStyle(
            stamp_text="%(organisation)s\n%(time)s",
            text_box_style=TextBoxStyle(font=_font(7), font_size=7, text_color=(0.75, 0.0, 0.05)),
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MIN,
                margins=layout.Margins(0, 0, 0, 0), inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT),
            background=_sized_image(spec.image_png or seal_png(), diameter),
            background_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MAX,
                margins=layout.Margins(0, 0, 0, 0), inner_content_scaling=layout.InnerScaling.NO_SCALING),
            background_opacity=1.0, border_width=0,
        )
        return DrawnAppearance(style, box, {"organisation": organisation, "time": iso_time(signing_time)})
    if kind == AppearanceKind.ATTACHMENT:
        if not spec.document_number:
            raise SignatureFieldError(
                "Chữ ký trên phụ lục cần số, ký hiệu văn bản.", "An attachment signature needs the document number/symbol.",
                code="missing_document_number")
        box = request.box or prepared_box or _top_right_box(writer)
        style = TextStampStyle(
            stamp_text="%(organisation)s\nSố, ký hiệu: %(number)s\nThời gian ký: %(time)s",
            text_box_style=TextBoxStyle(font=_font(10), font_size=10),
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins(4, 4, 4, 4), inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT),
            border_width=1,
        )
        return DrawnAppearance(style, box, {"organisation": organisation, "number": spec.document_number,
                                            "time": iso_time(signing_time)})
    raise ValueError(f"unknown appearance {kind}")


def _sized_image(png: bytes, size_pt: float) -> PdfImage:
    """The image scaled to ``size_pt`` points wide (real size), keeping its aspect ratio."""
    image = Image.open(BytesIO(png))
    ratio = image.height / image.width
    return PdfImage(image, box=layout.BoxConstraints(width=size_pt, height=size_pt * ratio))


def _organisation_of(key_source: KeySource) -> str:
    subject = key_source.certificate.subject.native
    return str(subject.get("organization_name") or subject.get("common_name") or "")


def _seal_box(diameter_mm: float, existing: dict, overlap_field: str | None) -> Box:
    """Box whose seal covers the left third of the person's signature (or a default place)."""
    diameter = diameter_mm * MM
    text_height = 26.0
    width = max(diameter, 170.0)
    person_box = None
    if overlap_field:
        found = existing.get(overlap_field)
        if found is None or found.box is None:
            raise SignatureFieldError(
                f"Không tìm thấy ô chữ ký “{overlap_field}” để đóng dấu chồng lên.",
                f"Signature field {overlap_field!r} to overlap was not found.", code="overlap_field_missing",
                details={"field": overlap_field})
        person_box = found.box
    person_box = person_box or DEFAULT_PERSON_BOX
    seal_right = person_box.x1 + person_box.width / 3
    centre_x = seal_right - diameter / 2
    centre_y = (person_box.y1 + person_box.y2) / 2
    top = centre_y + diameter / 2
    return Box(centre_x - width / 2, top - diameter - text_height, centre_x + width / 2, top)


def _top_right_box(writer: IncrementalPdfFileWriter) -> Box:
    first = writer.find_page_for_modification(0)[1].get_object()
    media = first.get("/MediaBox") or writer.root["/Pages"].get("/MediaBox") or [0, 0, 595, 842]
    x2, y2 = float(media[2]) - 28, float(media[3]) - 28
    return Box(x2 - 230, y2 - 48, x2, y2)
