"""validate_form's fastjsonschema shortcut gives exactly jsonschema's answers.

Every form of the procedures in processes/ (loaded as engine.modeling loads them) is checked against
many instances built from it: a filled-in valid one, and mutations of it (each field missing, given
each of its allowed values, wrong types, too long or too short, out of its choices, extra fields,
tuples, nested mistakes). For each, the new validate_form must return the very same data object or
raise the very same InvalidData (messages and details) as the jsonschema-only implementation it
replaced, which is kept below as the reference.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from engine import InvalidData
from engine.modeling import read_package
from engine.modeling.settings import read_form
from engine.runtime import forms
from engine.runtime.forms import validate_form

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
PROCEDURES = sorted(p.name for p in PROCESSES.iterdir() if (p / "forms").is_dir())


def reference_validate(schema: dict[str, Any] | None, data: Any) -> dict[str, Any]:
    """validate_form as it was before the shortcut: jsonschema alone decides."""
    if not isinstance(data, dict):
        raise InvalidData("Dữ liệu biểu mẫu phải là một đối tượng JSON", "Form data must be a JSON object",
                          details={"": "must be an object"})
    if not schema:
        return data
    errors: dict[str, str] = {}
    for err in sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in err.absolute_path)
        if err.validator == "required" and not path:
            missing = err.message.split("'")[1] if "'" in err.message else ""
            errors.setdefault(missing, "bắt buộc / required")
        else:
            errors.setdefault(path or "", err.message)
    if errors:
        raise InvalidData("Dữ liệu biểu mẫu không hợp lệ", "Invalid form data", details=errors)
    return data


def outcome(check: Any, schema: dict[str, Any] | None, data: Any) -> tuple:
    """What a validator answered: the same object back (and unchanged), or what it raised."""
    before = copy.deepcopy(data)
    try:
        returned = check(schema, data)
    except InvalidData as exc:
        return ("invalid", exc.message_vi, exc.message_en, exc.details)
    except Exception as exc:  # noqa: BLE001 - e.g. jsonschema's UnknownType: the same must escape
        return ("raised", type(exc).__name__, str(exc))
    assert returned is data and data == before, "validation must neither copy nor change the data"
    return ("ok",)


# -- instances built from a schema ---------------------------------------------------------------

WRONG = [None, True, False, 0, 1, -1, 1.5, 2.0, "", "x", "a" * 4001, "2025-13-45", "not a date", "abc\n",
         [], ["x"], [1, True], [{}], {}, {"x": 1}, ("x",)]


def choices(schema: Any) -> list[Any]:
    """Values the schema names for an instance: const, enum, oneOf/anyOf consts, examples, default."""
    if not isinstance(schema, dict):
        return []
    found: list[Any] = []
    if "const" in schema:
        found.append(schema["const"])
    found += list(schema.get("enum", []))
    for option in schema.get("oneOf", []) + schema.get("anyOf", []):
        if isinstance(option, dict) and "const" in option:
            found.append(option["const"])
    found += list(schema.get("examples", []))
    if "default" in schema:
        found.append(schema["default"])
    return found


def good(schema: Any) -> Any:
    """A value meant to satisfy ``schema`` (it need not, for if/then rules: both sides see it anyway)."""
    if not isinstance(schema, dict):
        return None
    named = choices(schema)
    if named:
        return copy.deepcopy(named[0])
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        return {k: good(v) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [good(schema.get("items", {})) for _ in range(max(1, schema.get("minItems", 1)))]
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return True
    if kind == "string":
        return "v" * max(1, schema.get("minLength", 1))
    return None


def edge_values(schema: Any) -> list[Any]:
    """Values near the edges of one field's rules, plus every value it names."""
    values = choices(schema) + WRONG
    if not isinstance(schema, dict):
        return values
    if "minLength" in schema:
        values += ["m" * max(0, schema["minLength"] - 1), "m" * schema["minLength"]]
    if "maxLength" in schema:
        values += ["M" * schema["maxLength"], "M" * (schema["maxLength"] + 1)]
    for key, step in (("minimum", -1), ("maximum", 1)):
        if key in schema:
            values += [schema[key], schema[key] + step, schema[key] + 0.5 * step, float(schema[key])]
    for value in choices(schema):
        if isinstance(value, str):
            values += [value + "\n", value.upper(), value + "x"]
    if schema.get("type") == "array":
        item = good(schema.get("items", {}))
        values += [[item] * (schema.get("maxItems", 3) + 1), [item, copy.deepcopy(item)], (item,)]
        values += [[v] for v in edge_values(schema.get("items", {}))[:20]]
    return values


def instances(schema: dict[str, Any], rng: random.Random) -> list[Any]:
    base = good(schema)
    if not isinstance(base, dict):
        return [base, {}]
    props = schema.get("properties", {})
    required = {k: base[k] for k in schema.get("required", []) if k in base}
    made: list[Any] = [base, required, {}, dict(base, unexpected_field="x"), [], "x", None]
    for name, sub in props.items():
        made.append({k: v for k, v in base.items() if k != name})
        for value in edge_values(sub):
            made.append(dict(base, **{name: value}))
        for value in choices(sub):  # the other branches of if/then rules
            made.append(dict(required, **{name: value}))
        if isinstance(sub, dict) and sub.get("type") == "array" and isinstance(sub.get("items"), dict):
            item = good(sub["items"])
            if isinstance(item, dict):
                for field, field_schema in sub["items"].get("properties", {}).items():
                    made.append(dict(base, **{name: [{k: v for k, v in item.items() if k != field}]}))
                    for value in edge_values(field_schema)[:12]:
                        made.append(dict(base, **{name: [dict(item, **{field: value})]}))
    names = list(props)
    for _ in range(60):  # several fields at once, each from its own edge values
        mixed = dict(rng.choice([base, required]))
        for name in rng.sample(names, min(len(names), rng.randint(1, 4))):
            mixed[name] = rng.choice(edge_values(props[name]))
        made.append(mixed)
    return made


def procedure_forms(code: str) -> dict[str, dict[str, Any]]:
    package = read_package(PROCESSES / code)
    loaded: dict[str, dict[str, Any]] = {}
    for path in package.form_paths:
        schema, broken = read_form(package, path)
        assert broken is None, broken
        loaded[path] = schema
    return loaded


@pytest.mark.parametrize("code", PROCEDURES)
def test_every_form_answers_as_jsonschema_did(code: str) -> None:
    rng = random.Random(code)
    accepted = rejected = 0
    for path, schema in procedure_forms(code).items():
        assert forms._checks_for(schema).fast is not None, f"{code}/{path} gets no fast check"
        for data in instances(schema, rng):
            expected = outcome(reference_validate, schema, data)
            assert outcome(validate_form, schema, data) == expected, (code, path, data)
            if expected[0] == "ok":
                accepted += 1
            else:
                rejected += 1
    assert accepted and rejected, (accepted, rejected)


# -- the shortcut's boundaries -------------------------------------------------------------------

KEYWORD_CASES: list[tuple[dict[str, Any], list[Any]]] = [
    ({"type": "integer"}, [1, 1.0, 1.5, True, "1", None]),
    ({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10}, [0, 0.1, 10, 9.99, False, True]),
    ({"type": ["string", "null"], "pattern": "^a+$"}, ["a", "aa\n", "b", None, 3]),
    ({"const": 1}, [1, 1.0, True, "1"]),
    ({"const": False}, [False, 0, 0.0, None]),
    ({"enum": [0, "0", None, [1, True], {"a": 1}]}, [0, False, "0", None, [1, True], [1, 1], [True, 1],
                                                      {"a": 1}, {"a": True}, {"a": 1.0}, (1, True)]),
    ({"type": "array", "uniqueItems": True, "minItems": 1, "maxItems": 3},
     [[1, True], [1, 1.0], [0, False], [{"a": 1}, {"a": True}], [[1], [1]], [], [1, 2, 3, 4], (1, 2)]),
    ({"type": "array", "items": {"type": "string", "maxLength": 2}}, [["ab"], ["abc"], [1], ("ab",)]),
    ({"type": "object", "minProperties": 1, "maxProperties": 2}, [{}, {"a": 1}, {"a": 1, "b": 2, "c": 3}]),
    ({"patternProperties": {"^x_": {"type": "integer"}}, "additionalProperties": False},
     [{"x_a": 1}, {"x_a": "1"}, {"y": 1}]),
    ({"anyOf": [{"type": "string"}, {"minimum": 5}], "not": {"const": "no"}}, ["s", "no", 6, 4, True]),
    ({"if": {"const": 1}, "then": {"type": "integer"}, "else": {"type": "string"}}, [1, 2, "s", True]),
    ({"items": False}, [[], [1]]),
    ({"items": True, "format": "date"}, [[1], "not a date"]),
]


@pytest.mark.parametrize(("sub", "values"), KEYWORD_CASES)
def test_each_trusted_keyword_answers_as_jsonschema_does(sub: dict[str, Any], values: list[Any]) -> None:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "properties": {"f": sub}}
    assert forms._checks_for(schema).fast is not None
    for value in values:
        data = {"f": value}
        assert outcome(validate_form, schema, data) == outcome(reference_validate, schema, data), value


@pytest.mark.parametrize("schema", [
    {"$defs": {"s": {"type": "string"}}, "properties": {"f": {"$ref": "#/$defs/s"}}},
    {"properties": {"f": {"multipleOf": 0.1}}},
    {"properties": {"f": {"prefixItems": [{"type": "string"}]}}},
    {"dependentRequired": {"a": ["b"]}},
    {"unevaluatedProperties": False, "properties": {"a": {}}},
    {"properties": {"f": {"$schema": "http://json-schema.org/draft-04/schema#"}}},
    {"type": "frobnicate"},
    {"properties": {"f": {"pattern": "^[^$]+$"}}},  # fastjsonschema turns $ into \Z: [^\Z] is no regex
])
def test_keywords_read_differently_leave_the_schema_to_jsonschema(schema: dict[str, Any]) -> None:
    assert forms._checks_for(schema).fast is None
    for data in ({"f": 0.3}, {"f": [1]}, {"a": 1}, {"f": "s"}, {"f": 1}, {"f": "a$"}, {"f": "ab\n"}):
        assert outcome(validate_form, schema, data) == outcome(reference_validate, schema, data)


def test_multiple_of_is_not_trusted_because_the_libraries_disagree() -> None:
    """Why multipleOf is left out: fastjsonschema takes 0.3 as a multiple of 0.1, jsonschema does not."""
    import fastjsonschema

    schema = {"properties": {"f": {"multipleOf": 0.1}}}
    fastjsonschema.compile(schema, use_default=False)({"f": 0.3})
    with pytest.raises(InvalidData):
        validate_form(schema, {"f": 0.3})


def test_defaults_are_not_filled_in_and_tuples_go_to_jsonschema() -> None:
    schema = {"type": "object", "properties": {"d": {"type": "string", "default": "x"},
                                               "a": {"type": "array"}}}
    data: dict[str, Any] = {}
    assert validate_form(schema, data) is data and data == {}
    with pytest.raises(InvalidData) as bad:
        validate_form(schema, {"a": ("tuple",)})
    assert bad.value.details == {"a": "('tuple',) is not of type 'array'"}


def test_deep_data_is_judged_by_jsonschema() -> None:
    deep: Any = "leaf"
    for _ in range(5000):
        deep = [deep]
    schema = {"type": "object", "properties": {"n": {"type": "array"}}}
    data = {"n": deep}
    assert validate_form(schema, data) is data


def test_a_schema_changed_for_another_is_checked_anew() -> None:
    """The cache is by identity; a different schema object never gets another one's checks."""
    first = {"properties": {"f": {"type": "string"}}}
    second = {"properties": {"f": {"type": "integer"}}}
    assert validate_form(first, {"f": "s"}) == {"f": "s"}
    with pytest.raises(InvalidData):
        validate_form(second, {"f": "s"})
    assert validate_form(second, {"f": 1}) == {"f": 1}


def test_the_cache_stays_bounded() -> None:
    for i in range(forms._CACHE_SIZE + 50):
        validate_form({"properties": {"f": {"maxLength": i}}}, {"f": ""})
    assert len(forms._checks) <= forms._CACHE_SIZE
