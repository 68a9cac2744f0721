"""``settings.json``, ``description.md`` and the JSON Schema forms of a package.

Settings carry what the BPMN cannot: who works in each lane (role and organisational unit), the fee,
the promised deadline. Only the keys the engine relies on are checked; the processes engineer adds
more (sources, levels, result documents) and they pass through untouched.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from .package import DESCRIPTION_FILE, FORMS_FOLDER, SETTINGS_FILE, ModelPackage
from .problems import Problem, problem, warning

ROLES = ("admin", "process_owner", "clerk", "leader", "applicant", "auditor", "agency")

SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "process_id"],
    "properties": {
        "code": {"type": "string", "minLength": 1, "maxLength": 40},
        "name_vi": {"type": "string"},
        "name_en": {"type": "string"},
        "process_id": {"type": "string", "minLength": 1},
        "lanes": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["role"],
                "properties": {
                    "role": {"enum": list(ROLES)},
                    "unit": {"type": ["string", "null"]},
                    "unit_from": {"type": "string"},
                },
            },
        },
        "fee_vnd": {"type": ["integer", "null"], "minimum": 0},
        "deadline_working_days": {"type": ["integer", "null"], "minimum": 0},
        "level_target": {"type": ["integer", "null"], "minimum": 1, "maximum": 4},
        "service_retries": {"type": "object"},
    },
}


def read_json(package: ModelPackage, path: str) -> tuple[Any, Problem | None]:
    """Decode a JSON file of the package, or say precisely where it is broken."""
    data = package.get(path)
    try:
        return json.loads(data.decode("utf-8")), None
    except UnicodeDecodeError as exc:
        return None, problem("json_not_utf8", f"Tệp không phải UTF-8: {exc}", f"The file is not UTF-8: {exc}",
                             file=path)
    except json.JSONDecodeError as exc:
        return None, problem("json_malformed", f"JSON không hợp lệ (dòng {exc.lineno}): {exc.msg}",
                             f"Malformed JSON (line {exc.lineno}): {exc.msg}", file=path, line=exc.lineno)


def read_settings(package: ModelPackage) -> tuple[dict[str, Any], list[Problem]]:
    """The settings (``{}`` when the package is a bare ``.bpmn``), and what is wrong with them."""
    if package.get(SETTINGS_FILE) is None:
        return {}, []
    settings, broken = read_json(package, SETTINGS_FILE)
    if broken:
        return {}, [broken]
    validator = jsonschema.Draft202012Validator(SETTINGS_SCHEMA)
    problems = [
        problem("settings_invalid",
                f"settings.json không hợp lệ tại '{_path(err)}': {err.message}",
                f"settings.json is invalid at '{_path(err)}': {err.message}", file=SETTINGS_FILE)
        for err in sorted(validator.iter_errors(settings), key=lambda e: list(e.absolute_path))
    ]
    return (settings if isinstance(settings, dict) else {}), problems


def read_description(package: ModelPackage) -> tuple[str, list[Problem]]:
    data = package.get(DESCRIPTION_FILE)
    if data is None:
        return "", []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return "", [problem("description_not_utf8", f"description.md không phải UTF-8: {exc}",
                            f"description.md is not UTF-8: {exc}", file=DESCRIPTION_FILE)]


def read_form(package: ModelPackage, path: str) -> tuple[dict[str, Any] | None, Problem | None]:
    """A form is a JSON Schema; refuse one that is not even a valid schema."""
    schema, broken = read_json(package, path)
    if broken:
        return None, broken
    if not isinstance(schema, dict):
        return None, problem("form_invalid", "Biểu mẫu phải là một đối tượng JSON Schema.",
                             "A form must be a JSON Schema object.", file=path)
    try:
        jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator).check_schema(schema)
    except jsonschema.SchemaError as exc:
        return None, problem("form_invalid", f"JSON Schema không hợp lệ tại '{_path(exc)}': {exc.message}",
                             f"Invalid JSON Schema at '{_path(exc)}': {exc.message}", file=path)
    return schema, None


def form_path(package: ModelPackage, named: str) -> str | None:
    """Where a form named in the BPMN lives: ``forms/<name>`` first, then the name as a package path."""
    for candidate in (f"{FORMS_FOLDER}/{named}", named):
        if package.get(candidate) is not None:
            return candidate
    return None


def unused_lane_warnings(settings_lanes: dict[str, Any], used: set[str]) -> list[Problem]:
    return [warning("lane_mapping_unused",
                    f"settings.json gán vai trò cho lane '{name}' nhưng mô hình không có lane này.",
                    f"settings.json maps lane '{name}' but the model has no such lane.", file=SETTINGS_FILE)
            for name in sorted(set(settings_lanes) - used)]


def _path(error: jsonschema.ValidationError | jsonschema.SchemaError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "/"
