"""How case data reads on paper: field labels (Vietnamese / English) and value formatting.

Why a table and a fallback: procedures share most field names (full_name, student_id, programme...),
and the generic templates print "the case's fields" without knowing the procedure; a field nobody
named here still prints, with its name made readable, rather than being silently dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

LABELS: dict[str, tuple[str, str]] = {
    "full_name": ("Họ và tên", "Full name"),
    "student_id": ("Mã số sinh viên", "Student ID"),
    "date_of_birth": ("Ngày sinh", "Date of birth"),
    "place_of_birth": ("Nơi sinh", "Place of birth"),
    "gender": ("Giới tính", "Gender"),
    "programme": ("Ngành / chương trình đào tạo", "Programme"),
    "faculty": ("Khoa / Trường thành viên", "Faculty"),
    "course": ("Khoá học", "Cohort"),
    "class_name": ("Lớp", "Class"),
    "training_mode": ("Hình thức đào tạo", "Mode of study"),
    "purpose": ("Mục đích sử dụng", "Purpose"),
    "copies": ("Số bản", "Copies"),
    "email": ("Thư điện tử", "E-mail"),
    "phone": ("Điện thoại", "Phone"),
    "postal_address": ("Địa chỉ", "Address"),
    "credits_accumulated": ("Số tín chỉ tích luỹ", "Credits accumulated"),
    "cumulative_gpa": ("Điểm trung bình chung tích luỹ (hệ 4)", "Cumulative GPA (4-point scale)"),
    "grade_records_summary": ("Kết quả học tập đã đối chiếu", "Checked academic record"),
    "staff_id": ("Mã số viên chức", "Staff ID"),
    "unit": ("Đơn vị", "Unit"),
    "reason": ("Lý do", "Reason"),
    "content": ("Nội dung", "Content"),
    "subject": ("Trích yếu", "Subject"),
    "amount_vnd": ("Số tiền (đồng)", "Amount (VND)"),
    "start_date": ("Từ ngày", "From"),
    "end_date": ("Đến ngày", "To"),
}

# Data the engine or the procedure keeps for itself, never printed on a result document.
HIDDEN = {"case_id", "started_by", "request_valid", "record_found", "rejection_reason", "delivery_method",
          "transcript_language", "payment_confirmation", "language"}
HIDDEN_SUFFIXES = ("_result", "_decision", "_comment", "_signature", "_document")


def labels_from_forms(forms: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Labels from a procedure's form schemas: a title "Nội dung đề nghị (Request details)" gives
    ("Nội dung đề nghị", "Request details"), so documents print the words the applicant saw."""
    found: dict[str, tuple[str, str]] = {}
    for schema in forms.values():
        properties = schema.get("properties") if isinstance(schema, dict) else None
        for key, spec in (properties or {}).items():
            title = spec.get("title") if isinstance(spec, dict) else None
            if not isinstance(title, str) or not title.strip():
                continue
            match = re.fullmatch(r"\s*(.+?)\s*\(([^()]+)\)\s*", title)
            found.setdefault(key, (match.group(1), match.group(2)) if match else (title.strip(), title.strip()))
    return found


def label(key: str, lang: str = "vi", extra: dict[str, tuple[str, str]] | None = None) -> str:
    """The label of ``key``: Vietnamese, English, or both (``lang='both'``: "Họ và tên (Full name)").

    Known labels win over ``extra`` (labels read from the procedure's forms), which win over the
    field name made readable."""
    vi, en = LABELS.get(key) or (extra or {}).get(key) or (_readable(key), _readable(key))
    if lang == "en":
        return en
    if lang == "both" and en != vi:
        return f"{vi} ({en})"
    return vi


def _readable(key: str) -> str:
    words = re.sub(r"[_\-]+", " ", key).strip()
    return words[:1].upper() + words[1:]


def format_value(value: Any, lang: str = "vi") -> str:
    """Dates as dd/mm/yyyy, booleans as Có/Không, numbers the Vietnamese way (1.234,5), lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("Yes" if value else "No") if lang == "en" else ("Có" if value else "Không")
    if isinstance(value, int):
        return f"{value:,}".replace(",", "." if lang != "en" else ",")
    if isinstance(value, float):
        text = f"{value:,.2f}"
        return text if lang == "en" else text.replace(",", " ").replace(".", ",").replace(" ", ".")
    if isinstance(value, list):
        return "; ".join(format_value(v, lang) for v in value if not isinstance(v, dict | list))
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return text
        return day.strftime("%d/%m/%Y")
    return text


def printable_fields(data: dict[str, Any], skip: set[str] | None = None) -> list[tuple[str, Any]]:
    """The case's fields worth printing, in a stable order: known labels first, then the others."""
    skip = HIDDEN | (skip or set())
    items = [(k, v) for k, v in data.items()
             if k not in skip and not k.endswith(HIDDEN_SUFFIXES) and not k.startswith("_")
             and not isinstance(v, dict) and v not in (None, "", [])]
    order = {k: i for i, k in enumerate(LABELS)}
    return sorted(items, key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
