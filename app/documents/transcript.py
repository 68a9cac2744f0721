"""The transcript (bảng điểm) of procedure QT13, in Vietnamese, English or both.

The case carries the student's data from the request form and the clerk's check (credits, GPA and a
summary of the checked records). When the case also carries a course list (``courses``, ``grades`` or
``grade_records``: a list of objects), it is printed as a table; otherwise the transcript prints what
the case has, so a procedure without a grade database still gets a correct, signed summary.
"""

from __future__ import annotations

from typing import Any

from .context import DocumentRequest
from .labels import format_value, label
from .layout import CONTENT_W, DocumentPage

STUDENT_FIELDS = ("full_name", "student_id", "date_of_birth", "programme", "faculty", "course", "class_name",
                  "training_mode")
SUMMARY_FIELDS = ("credits_accumulated", "cumulative_gpa")
COURSE_LIST_KEYS = ("courses", "grades", "grade_records")
COLUMN_KEYS = {
    "code": ("code", "course_code", "ma_hp", "ma_hoc_phan"),
    "name": ("name", "course_name", "title", "ten_hoc_phan"),
    "credits": ("credits", "tin_chi", "so_tin_chi"),
    "score": ("score", "grade_10", "diem", "diem_so"),
    "letter": ("letter", "grade_letter", "diem_chu", "grade"),
}
HEADINGS = {
    "vi": ("STT", "Mã HP", "Tên học phần", "Số TC", "Điểm số", "Điểm chữ"),
    "en": ("No.", "Code", "Course", "Credits", "Score", "Grade"),
}
DEFAULT_AUTHORITY = {"vi": "TL. HIỆU TRƯỞNG\nTRƯỞNG PHÒNG ĐÀO TẠO",
                     "en": "FOR THE RECTOR\nDIRECTOR OF ACADEMIC AFFAIRS",
                     "both": "TL. HIỆU TRƯỞNG\nTRƯỞNG PHÒNG ĐÀO TẠO"}


def language_of(data: dict[str, Any]) -> str:
    lang = str(data.get("transcript_language") or data.get("language") or "vi").lower()
    return lang if lang in ("vi", "en", "both") else "vi"


def course_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    for key in COURSE_LIST_KEYS:
        value = data.get(key)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return value
    return []


def _pick(course: dict[str, Any], column: str) -> Any:
    for key in COLUMN_KEYS[column]:
        if key in course:
            return course[key]
    return ""


def render_transcript(page: DocumentPage, request: DocumentRequest) -> str:
    """Draw the body; returns the authority lines for the signature block."""
    data = request.data
    lang = language_of(data)
    heading_lang = "en" if lang == "en" else "vi"
    if lang == "both":
        page.document_title("BẢNG ĐIỂM", "ACADEMIC TRANSCRIPT")
    elif lang == "en":
        page.document_title("ACADEMIC TRANSCRIPT")
    else:
        page.document_title("BẢNG ĐIỂM")
    if request.title and not request.title.lower().startswith(("bảng điểm", "academic transcript")):
        page.paragraph(request.title, "I", 12, align="C")
        page.ln(4)
    rows = [(label(k, lang, request.labels), format_value(data.get(k), heading_lang)) for k in STUDENT_FIELDS if data.get(k)]
    page.field_rows(rows, label_w=250 if lang == "both" else 170)
    page.ln(6)

    courses = course_rows(data)
    if courses:
        headings = HEADINGS["en"] if lang == "en" else HEADINGS["vi"]
        if lang == "both":
            headings = tuple(f"{vi}\n{en}" for vi, en in zip(HEADINGS["vi"], HEADINGS["en"], strict=True))
        widths = (30, 62, CONTENT_W - 30 - 62 - 44 - 55 - 55, 44, 55, 55)
        table = [(str(i), str(_pick(c, "code")), str(_pick(c, "name")), format_value(_pick(c, "credits"), heading_lang),
                  format_value(_pick(c, "score"), heading_lang), str(_pick(c, "letter")))
                 for i, c in enumerate(courses, start=1)]
        page.grid(headings, table, widths, aligns=("C", "L", "L", "C", "C", "C"))
        total = sum(_number(_pick(c, "credits")) for c in courses)
        if not data.get("credits_accumulated") and total:
            data = {**data, "credits_accumulated": int(total) if total == int(total) else total}
    summary = [(label(k, lang, request.labels), format_value(data.get(k), heading_lang)) for k in SUMMARY_FIELDS
               if data.get(k) not in (None, "")]
    if summary:
        page.field_rows(summary, label_w=330 if lang == "both" else 260)
    if data.get("grade_records_summary"):
        page.ln(4)
        page.paragraph(f"{label('grade_records_summary', lang, request.labels)}: {data['grade_records_summary']}", size=12)
    if data.get("purpose"):
        page.ln(4)
        page.paragraph(f"{label('purpose', lang, request.labels)}: {data['purpose']}", "I", 12)
    return request.signer_title or DEFAULT_AUTHORITY[lang]


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
