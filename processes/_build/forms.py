"""JSON Schema (draft 2020-12) helpers for start and task forms, Vietnamese titles first.

Every field carries ``examples`` (or a ``default``) so a form can be filled with sample data: the model
tests run each process through with these values, and the first choice of every decision is the
"happy path" one.
"""

from __future__ import annotations

from typing import Any

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def form(title: str, description: str, fields: dict[str, dict], required: list[str] | None = None,
         extra: dict[str, Any] | None = None) -> dict:
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "title": title,
        "description": description,
        "type": "object",
        "properties": fields,
        "required": list(required if required is not None else fields),
        "additionalProperties": False,
    }
    schema.update(extra or {})
    return schema


def text(title: str, example: str, description: str | None = None, max_length: int = 500,
         multiline: bool = False) -> dict:
    field: dict[str, Any] = {"type": "string", "title": title, "minLength": 1, "maxLength": max_length,
                             "examples": [example]}
    if description:
        field["description"] = description
    if multiline:
        field["maxLength"] = max(max_length, 4000)
    return field


def optional_text(title: str, example: str = "", description: str | None = None) -> dict:
    field: dict[str, Any] = {"type": "string", "title": title, "maxLength": 4000, "examples": [example]}
    if description:
        field["description"] = description
    return field


def pattern_text(title: str, pattern: str, example: str, description: str | None = None) -> dict:
    field = text(title, example, description, max_length=100)
    field["pattern"] = pattern
    return field


def email(title: str, example: str = "nguyenvana@student.ctu.edu.vn") -> dict:
    return {"type": "string", "title": title, "format": "email", "maxLength": 200, "examples": [example]}


def integer(title: str, minimum: int, maximum: int, example: int, description: str | None = None) -> dict:
    field: dict[str, Any] = {"type": "integer", "title": title, "minimum": minimum, "maximum": maximum,
                             "examples": [example]}
    if description:
        field["description"] = description
    return field


def date(title: str, example: str = "2025-01-15") -> dict:
    return {"type": "string", "format": "date", "title": title, "examples": [example]}


def datetime_field(title: str, example: str = "2025-01-15T08:30:00+07:00") -> dict:
    return {"type": "string", "format": "date-time", "title": title, "examples": [example]}


def choice(title: str, options: list[tuple[str, str]], description: str | None = None) -> dict:
    """A closed list; ``options`` are (value, Vietnamese label); the first is the usual answer."""
    field: dict[str, Any] = {"type": "string", "title": title,
                             "oneOf": [{"const": value, "title": label} for value, label in options],
                             "examples": [options[0][0]]}
    if description:
        field["description"] = description
    return field


def yes_no(title: str, description: str | None = None, usual: bool = True) -> dict:
    field: dict[str, Any] = {"type": "boolean", "title": title, "default": usual}
    if description:
        field["description"] = description
    return field


def attachments(title: str = "Tệp đính kèm", description: str | None = None) -> dict:
    return {
        "type": "array", "title": title,
        "description": description or "Bản scan/tệp PDF của các giấy tờ trong hồ sơ (Scanned dossier files).",
        "items": {"type": "object", "properties": {
            "file_name": {"type": "string", "title": "Tên tệp", "maxLength": 255},
            "file_id": {"type": "string", "title": "Mã tệp đã tải lên", "maxLength": 100},
        }, "required": ["file_name", "file_id"], "additionalProperties": False},
        "examples": [[{"file_name": "don-de-nghi.pdf", "file_id": "f-0001"}]],
    }


def when_equals(field_name: str, value: Any, then_required: list[str]) -> dict:
    """``if field == value then require ...``: e.g. a reason is required when the answer is no."""
    return {"if": {"properties": {field_name: {"const": value}}, "required": [field_name]},
            "then": {"required": then_required}}


def decision_form(title: str, description: str, prefix: str, approve_label: str = "Đồng ý",
                  reject_label: str = "Từ chối", extra_fields: dict[str, dict] | None = None) -> dict:
    """Approve/reject form: fields ``<prefix>_decision`` ('approve'|'reject') and ``<prefix>_comment``.

    A comment is required when rejecting, because the reason goes back to the applicant.
    """
    fields = {
        f"{prefix}_decision": choice("Quyết định (Decision)", [("approve", approve_label), ("reject", reject_label)]),
        f"{prefix}_comment": optional_text("Ý kiến / lý do (Comment or reason)", "Đồng ý."),
    }
    fields.update(extra_fields or {})
    required = [f"{prefix}_decision"] + [k for k in (extra_fields or {}) if k in fields]
    schema = form(title, description, fields, required)
    rule = when_equals(f"{prefix}_decision", "reject", [f"{prefix}_comment"])
    rule["then"]["properties"] = {f"{prefix}_comment": {"minLength": 1}}
    schema["allOf"] = [rule]
    return schema


def sign_form(title: str, prefix: str, document: str) -> dict:
    """The signing step of a leader: approve (then the document is signed digitally) or reject."""
    return decision_form(
        title,
        f"Xem xét và ký số {document}. Chọn 'Ký duyệt' để ký số bằng chứng thư của mình; 'Từ chối' cần nêu "
        f"lý do. (Review and digitally sign the document, or reject it with a reason.)",
        prefix, approve_label="Ký duyệt (Approve and sign)", reject_label="Từ chối (Reject)",
    )


def seal_form(prefix: str, document: str) -> dict:
    """The registry clerk's seal step: confirm the form is correct, record the register number.

    Fields ``<prefix>_seal_confirm`` (must be true), ``<prefix>_seal_register_number`` and
    ``<prefix>_seal_comment``; prefixed because case data is one flat namespace.
    """
    return form(
        "Văn thư kiểm tra thể thức và đóng dấu số (Registry: check the form and apply the seal)",
        f"Kiểm tra thể thức và kỹ thuật trình bày của {document} theo Nghị định 30/2020/NĐ-CP, ghi số đăng ký "
        "văn bản rồi xác nhận đóng dấu số của cơ quan. (Check the document's form, record its register "
        "number and confirm to apply the organisation's digital seal.)",
        {f"{prefix}_seal_confirm": {"type": "boolean", "const": True, "default": True,
                                    "title": "Thể thức đúng quy định, đồng ý đóng dấu số (Form checked, apply the seal)"},
         f"{prefix}_seal_register_number": text("Số đăng ký văn bản (Register number)", "125/QĐ-ĐHCT", max_length=60),
         f"{prefix}_seal_comment": optional_text("Ghi chú của văn thư (Comment)", "")},
        [f"{prefix}_seal_confirm", f"{prefix}_seal_register_number"])
