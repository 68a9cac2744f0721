"""The page of an administrative document per Decree 30/2020/NĐ-CP (Appendix I), drawn with fpdf2.

Why one place for the layout: every result document (transcript, decision, certificate...) shares the
national header, the number and date line, the title and the signature block, and the signing step
must know exactly where the signature goes. The signature block is therefore always drawn at the same
place at the bottom right of the last page (:data:`PERSON_BOX`), and content that would run into it
moves to a new page. Coordinates in this module are PDF points with the origin at the top left (fpdf2);
:data:`PERSON_BOX` is given the PDF way (origin bottom left), as signing expects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "LiberationSerif"
PAGE_W, PAGE_H = 595.28, 841.89  # A4 in points
MM = 72 / 25.4
LEFT, RIGHT, TOP, BOTTOM = 30 * MM, 20 * MM, 20 * MM, 20 * MM
CONTENT_W = PAGE_W - LEFT - RIGHT
RIGHT_COL_X = 318.0  # the right half: national name, date line, signature block
VN_TZ = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class SignatureBox:
    """Where the person with authority signs: PDF points, origin bottom left, on the last page."""

    x1: float
    y1: float
    x2: float
    y2: float

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x1, self.y1, self.x2, self.y2)


PERSON_BOX = SignatureBox(350.0, 150.0, 510.0, 214.0)
# The block starts with the authority lines above the box; below the box the seal (which covers the
# box's left third and hangs about 50 pt lower) and the recipients list need room too.
BLOCK_TOP_FROM_BOTTOM = 300.0


class DocumentPage(FPDF):
    """A4 portrait, Liberation Serif (Times New Roman metrics, Vietnamese glyphs) embedded."""

    def __init__(self, title: str, author: str) -> None:
        super().__init__(orientation="P", unit="pt", format="A4")
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(True, BOTTOM)
        self.add_font(FAMILY, "", str(FONTS / "LiberationSerif-Regular.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "LiberationSerif-Bold.ttf"))
        self.add_font(FAMILY, "I", str(FONTS / "LiberationSerif-Italic.ttf"))
        self.set_title(title)
        self.set_author(author)
        self.set_creator("quytrinh")
        self.set_lang("vi-VN")
        self.add_page()

    def font(self, style: str = "", size: float = 13) -> None:
        self.set_font(FAMILY, style, size)

    # -- header ----------------------------------------------------------------------------------
    def national_header(self, parent_org: str, organisation: str, number: str, place: str,
                        day: dt.date, english: bool = False) -> None:
        """Left: the issuing body; right: national name and motto; then number and date lines."""
        top = self.get_y()
        left_w = RIGHT_COL_X - LEFT - 6
        self.font("", 12)
        if parent_org:
            self.multi_cell(left_w, 15, parent_org.upper(), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.font("B", 12)
        self.multi_cell(left_w, 15, organisation.upper(), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self._short_rule(LEFT + left_w / 2, self.get_y() + 2, 60)
        left_bottom = self.get_y() + 8
        self.set_xy(RIGHT_COL_X, top)
        right_w = PAGE_W - RIGHT - RIGHT_COL_X + 12
        self.font("B", 12)
        self.cell(right_w, 15, "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.font("B", 13)
        motto = "Độc lập - Tự do - Hạnh phúc"
        self.cell(right_w, 16, motto, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self._short_rule(RIGHT_COL_X + right_w / 2, self.get_y() + 1, self.get_string_width(motto))
        if english:
            self.set_xy(RIGHT_COL_X, self.get_y() + 3)
            self.font("I", 10)
            for line in ("SOCIALIST REPUBLIC OF VIETNAM", "Independence - Freedom - Happiness"):
                self.cell(right_w, 12, line, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        right_bottom = self.get_y() + 8
        y = max(left_bottom, right_bottom)
        self.set_xy(LEFT, y)
        self.font("", 13)
        self.cell(left_w, 16, f"Số: {number}", align="C")
        self.set_xy(RIGHT_COL_X, y)
        self.font("I", 13)
        self.cell(right_w, 16, f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}", align="C",
                  new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(18)

    def _short_rule(self, centre_x: float, y: float, width: float) -> None:
        self.set_line_width(0.6)
        self.line(centre_x - width / 2, y, centre_x + width / 2, y)

    # -- body ------------------------------------------------------------------------------------
    def document_title(self, title: str, subtitle: str = "") -> None:
        self.font("B", 14)
        self.multi_cell(CONTENT_W, 18, title.upper(), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.font("B", 13)
            self.multi_cell(CONTENT_W, 16, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(10)

    def paragraph(self, text: str, style: str = "", size: float = 13, align: str = "J") -> None:
        self.font(style, size)
        self.multi_cell(CONTENT_W, size * 1.35, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field_rows(self, rows: Sequence[tuple[str, str]], label_w: float = 170) -> None:
        """``label: value`` lines, label and value each wrapping in their own column."""
        line_h = 17
        for label, value in rows:
            y = self.get_y()
            self.font("", 13)
            label_lines = self.multi_cell(label_w - 6, line_h, f"{label}:", align="L", dry_run=True, output="LINES")
            self.font("B", 13)
            value_lines = self.multi_cell(CONTENT_W - label_w, line_h, value or "—", align="L", dry_run=True,
                                          output="LINES")
            height = line_h * max(len(label_lines), len(value_lines))
            if y + height > self.page_break_trigger:
                self.add_page()
                y = self.get_y()
            self.font("", 13)
            self.set_xy(LEFT, y)
            self.multi_cell(label_w - 6, line_h, f"{label}:", align="L")
            self.set_xy(LEFT + label_w, y)
            self.font("B", 13)
            self.multi_cell(CONTENT_W - label_w, line_h, value or "—", align="L")
            self.set_xy(LEFT, y + height)

    def grid(self, headings: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float],
             aligns: Sequence[str] | None = None) -> None:
        """A ruled table with a bold heading row repeated on each page."""
        self.font("", 11)
        align = [a for a in (aligns or ["L"] * len(widths))]
        with self.table(col_widths=tuple(widths), width=sum(widths), text_align=tuple(align),  # type: ignore[arg-type]
                        line_height=14, first_row_as_headings=True, repeat_headings=1, align="LEFT") as table:
            header = table.row()
            for heading in headings:
                header.cell(heading)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.ln(8)

    # -- signature -------------------------------------------------------------------------------
    def signature_block(self, authority_lines: Sequence[str], recipients: Sequence[str]) -> SignatureBox:
        """Draw the authority lines and leave :data:`PERSON_BOX` empty; returns that box.

        A new page is started when the content already reaches into the block's area, so the box is
        always at the same place on the last page.
        """
        block_top = PAGE_H - BLOCK_TOP_FROM_BOTTOM
        if self.get_y() > block_top:
            self.add_page()
        right_w = PAGE_W - RIGHT - RIGHT_COL_X + 12
        box_top = PAGE_H - PERSON_BOX.y2
        self.font("B", 13)
        line_h = 16
        y = box_top - 24 - line_h * len(authority_lines)  # the seal reaches ~20 pt above the box
        self.set_xy(RIGHT_COL_X, y)
        for line in authority_lines:
            self.cell(right_w, line_h, line.upper(), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_xy(LEFT, y)
        self.font("B", 11)
        self.cell(150, 14, "Nơi nhận:", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.font("", 10)
        for recipient in recipients:
            self.multi_cell(RIGHT_COL_X - LEFT - 20, 13, f"- {recipient};", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.font("I", 9)
        self.set_xy(RIGHT_COL_X, box_top + (PERSON_BOX.y2 - PERSON_BOX.y1) + 60)
        self.multi_cell(right_w, 11, "(Văn bản điện tử được ký số theo Nghị định 30/2020/NĐ-CP)", align="C")
        return PERSON_BOX


def today_vn() -> dt.date:
    return dt.datetime.now(VN_TZ).date()
