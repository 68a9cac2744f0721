"""Validation of submitted form data against a task's JSON Schema, with field-level errors.

jsonschema (Draft 2020-12, formats not asserted) decides every verdict and writes every error. It is
slow on the common case, valid data (~0.2 ms for QT74's start form, mostly building a child validator
for each property it descends into), so each schema is also compiled once with fastjsonschema
(generated Python code, ~0.02 ms), and data that the compiled check accepts is returned without
asking jsonschema. That shortcut is only taken where "fastjsonschema accepts => jsonschema accepts"
holds by construction:

- the schema uses only keywords both libraries read the same way (``_agrees``); anything else
  (``$ref``, ``multipleOf``, ``prefixItems``, ``dependentRequired``, ...) leaves the schema to
  jsonschema alone. fastjsonschema runs with formats off (jsonschema here has no format checker) and
  defaults off (it would otherwise fill them into the data), on a copy without ``$schema`` so that it
  uses its newest dialect whatever the schema names (validate_form always uses 2020-12);
- the data is plain JSON (``_plain``): fastjsonschema also takes a tuple for an array, jsonschema
  does not.

Where fastjsonschema refuses, or errs, jsonschema runs exactly as before, so rejections and their
details are jsonschema's. tests/engine/test_forms_fast.py checks this on every form of processes/.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from ..errors import InvalidData

#: Keywords whose value is one subschema, a list of them, or a map of names to them.
_ONE = frozenset({"not", "if", "then", "else", "items", "additionalProperties"})
_LIST = frozenset({"allOf", "anyOf", "oneOf"})
_MAP = frozenset({"properties", "patternProperties"})
#: Keywords whose value is data that both libraries check identically for plain JSON data
#: (const/enum: fastjsonschema keeps true apart from 1, as jsonschema does; pattern: fastjsonschema
#: reads an unescaped ``$`` as ``\Z``, which only ever refuses more), or annotations neither checks.
_PLAIN_KEYWORDS = frozenset({
    "type", "const", "enum", "required", "minLength", "maxLength", "pattern", "format",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties",
    "title", "description", "examples", "default", "$comment", "readOnly", "writeOnly", "deprecated",
})
_SCALARS = (str, int, float, bool, type(None))
_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class _Checks:
    """What validates one schema. ``schema`` is held so that its id is not reused while cached."""

    schema: dict[str, Any]
    full: Draft202012Validator
    fast: Callable[[Any], Any] | None


_checks: dict[int, _Checks] = {}
_lock = threading.Lock()


def _agrees(schema: Any, top: bool = False) -> bool:
    """Whether fastjsonschema reads ``schema`` as jsonschema's Draft 2020-12 does (see the module doc)."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict):
        return False
    for key, value in schema.items():
        if key in _ONE:
            ok = _agrees(value)
        elif key in _LIST:
            ok = isinstance(value, list) and all(_agrees(v) for v in value)
        elif key in _MAP:
            ok = isinstance(value, dict) and all(_agrees(v) for v in value.values())
        else:
            ok = key in _PLAIN_KEYWORDS or (top and key == "$schema")
        if not ok:
            return False
    return True


def _plain(value: Any) -> bool:
    """Whether ``value`` is made only of dict (with str keys), list, str, int, float, bool and None."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    return kind in _SCALARS


def _compile_fast(schema: dict[str, Any]) -> Callable[[Any], Any] | None:
    """fastjsonschema's check for ``schema``, or None where it cannot stand in for jsonschema's."""
    try:
        if not _agrees(schema, top=True):
            return None
        Draft202012Validator.check_schema(schema)
        return fastjsonschema.compile({k: v for k, v in schema.items() if k != "$schema"},
                                      use_default=False, use_formats=False)
    except SchemaError:
        return None  # jsonschema copes with it as it always did
    except Exception:  # noqa: BLE001 - odd schemas: fastjsonschema's KeyError, re.error; RecursionError
        return None


def _checks_for(schema: dict[str, Any]) -> _Checks:
    """The cached checks of ``schema``, by identity (forms come from the cached version data)."""
    checks = _checks.get(id(schema))
    if checks is None or checks.schema is not schema:
        checks = _Checks(schema, Draft202012Validator(schema), _compile_fast(schema))
        with _lock:
            while len(_checks) >= _CACHE_SIZE:
                del _checks[next(iter(_checks))]
            _checks[id(schema)] = checks
    return checks


def _fast_accepts(checks: _Checks, data: dict[str, Any]) -> bool:
    """Whether the compiled check may answer for jsonschema here, and accepts ``data``."""
    if checks.fast is None:
        return False
    try:
        if not _plain(data):
            return False
        checks.fast(data)
    except Exception:  # noqa: BLE001 - a refusal, or any surprise (deep data), is for jsonschema to judge
        return False
    return True


def validate_form(schema: dict[str, Any] | None, data: Any) -> dict[str, Any]:
    """Return the data if it satisfies ``schema``; raise InvalidData naming each bad field."""
    if not isinstance(data, dict):
        raise InvalidData("Dữ liệu biểu mẫu phải là một đối tượng JSON", "Form data must be a JSON object",
                          details={"": "must be an object"})
    if not schema:
        return data
    checks = _checks_for(schema)
    if _fast_accepts(checks, data):
        return data
    errors: dict[str, str] = {}
    for err in sorted(checks.full.iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in err.absolute_path)
        if err.validator == "required" and not path:
            missing = err.message.split("'")[1] if "'" in err.message else ""
            errors.setdefault(missing, "bắt buộc / required")
        else:
            errors.setdefault(path or "", err.message)
    if errors:
        raise InvalidData("Dữ liệu biểu mẫu không hợp lệ", "Invalid form data", details=errors)
    return data
