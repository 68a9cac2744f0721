"""Validation of submitted form data against a task's JSON Schema, with field-level errors."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from ..errors import InvalidData

_validators: dict[int, Draft202012Validator] = {}


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    key = id(schema)
    v = _validators.get(key)
    if v is None or v.schema is not schema:
        v = Draft202012Validator(schema)
        _validators[key] = v
    return v


def validate_form(schema: dict[str, Any] | None, data: Any) -> dict[str, Any]:
    """Return the data if it satisfies ``schema``; raise InvalidData naming each bad field."""
    if not isinstance(data, dict):
        raise InvalidData("Dữ liệu biểu mẫu phải là một đối tượng JSON", "Form data must be a JSON object",
                          details={"": "must be an object"})
    if not schema:
        return data
    errors: dict[str, str] = {}
    for err in sorted(_validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in err.absolute_path)
        if err.validator == "required" and not path:
            missing = err.message.split("'")[1] if "'" in err.message else ""
            errors.setdefault(missing, "bắt buộc / required")
        else:
            errors.setdefault(path or "", err.message)
    if errors:
        raise InvalidData("Dữ liệu biểu mẫu không hợp lệ", "Invalid form data", details=errors)
    return data
