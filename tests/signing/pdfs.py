"""Real PDFs for signing tests, generated with fpdf2 (Vietnamese text, several pages when asked)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT = Path(__file__).resolve().parents[2] / "signing" / "assets" / "LiberationSerif-Regular.ttf"


def make_pdf(pages: int = 1, text: str = "QUYẾT ĐỊNH về việc công nhận tốt nghiệp", padding_bytes: int = 0) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font("serif", fname=str(FONT))
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("serif", size=14)
        pdf.multi_cell(0, 8, f"{text}\nTrang {number}/{pages}\nHiệu trưởng Trường Đại học Quy Trình")
    if padding_bytes:
        # incompressible content so the file really has the requested size
        import os

        pdf.set_compression(False)
        blob = os.urandom(padding_bytes // 2).hex()
        pdf.set_font("serif", size=1)
        pdf.multi_cell(0, 1, blob[: padding_bytes])
    return bytes(pdf.output())
