"""Run-time guards the compiled scripts call, and the small set of helpers they may use.

Everything a script can reach is listed here. The guards (``_getattr_``, ``_binop_``...) live in the
script's ``__builtins__`` together with the helpers, so nothing is added to the task data and scripts
cannot name them (RestrictedPython refuses names starting with ``_``).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from . import violations
from .budget import current, tick

_SEQUENCES = (str, bytes, list, tuple)
_FORBIDDEN_ATTRIBUTES = frozenset(INSPECT_ATTRIBUTES) | {"mro", "translate", "maketrans"}
_BINARY = {"+": operator.add, "*": operator.mul, "**": operator.pow, "<<": operator.lshift, "%": operator.mod}
_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "|=": operator.ior, "^=": operator.ixor, "&=": operator.iand,
    "@=": operator.imatmul,
}
_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _fail(violation: violations.Violation) -> None:
    current().fail(violation)


def _check_length(what: str, length: int) -> None:
    limit = current().limits.max_sequence_length
    if length > limit:
        _fail(violations.too_large(what, length, limit))


def _check_bits(what: str, bits: int) -> None:
    limit = current().limits.max_int_bits
    if bits > limit:
        _fail(violations.too_large(what + " (bits)", bits, limit))


def _charge(value: Any) -> Any:
    if isinstance(value, (*_SEQUENCES, dict, set, frozenset)):
        current().charge(len(value))
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _precheck(op: str, a: Any, b: Any) -> None:
    if op == "*":
        if isinstance(a, _SEQUENCES) and _is_int(b):
            _check_length("a * n", len(a) * max(b, 0))
        elif isinstance(b, _SEQUENCES) and _is_int(a):
            _check_length("n * a", len(b) * max(a, 0))
        elif _is_int(a) and _is_int(b):
            _check_bits("a * b", a.bit_length() + b.bit_length())
    elif op == "+" and isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        _check_length("a + b", len(a) + len(b))
    elif op == "**" and _is_int(a) and _is_int(b) and b > 0 and abs(a) > 1:
        _check_bits("a ** b", b * abs(a).bit_length())
    elif op == "<<" and _is_int(a) and _is_int(b) and a != 0:
        _check_bits("a << b", a.bit_length() + max(b, 0))
    elif op == "%" and isinstance(a, (str, bytes)):
        weigh(b)
        pattern = a if isinstance(a, str) else a.decode("latin-1")
        for width, precision in _PERCENT_FIELD.findall(pattern):
            for number in (width, precision):
                if number == "*":
                    _fail(violations.too_large("'%*' width", 1, 0))
                if number:
                    _check_length("% width", int(number))


_CONTAINERS = (list, tuple, dict, set, frozenset)


def _weight(value: Any, limit: int, memo: dict[int, int]) -> int:
    """Elements reachable from ``value`` counting shared references every time (what repr, hash,
    == and json.dumps walk), computed once per distinct container so the count itself stays cheap."""
    key = id(value)
    if key in memo:
        return memo[key]
    memo[key] = 0  # a cycle counts once
    total = len(value)
    children = value.values() if isinstance(value, dict) else value
    for child in children:
        if isinstance(child, _CONTAINERS):
            total += _weight(child, limit, memo)
            if total > limit:
                break
    memo[key] = total
    return total


def weigh(value: Any) -> Any:
    """Refuse containers whose walk would be huge; return ``value`` unchanged otherwise.

    ``t = (t, t)`` twenty times is tiny in memory but makes ``hash(t)``, ``str(t)``, ``t == u`` or the
    JSON dump of the task data run for minutes inside C, where no tick can stop them. Applied to
    container displays and comprehensions, comparison operands, f-string values, ``%`` arguments,
    the counting constructors and the task data after a script.
    """
    if isinstance(value, _CONTAINERS):
        limit = current().limits.max_sequence_length
        try:
            total = _weight(value, limit, {})
        except RecursionError:
            total = limit + 1
        if total > limit:
            _fail(violations.too_large("nested value (elements reachable)", total, limit))
    return value


_NUMBERS = frozenset({int, float})


def guarded_binop(op: str, a: Any, b: Any) -> Any:
    """``a <op> b`` for the operators that can build huge values in one step."""
    if op in ("+", "%") and type(a) in _NUMBERS and type(b) in _NUMBERS:
        return _BINARY[op](a, b)  # the common case in loops; numbers cannot blow up through + or %
    _precheck(op, a, b)
    return weigh(_charge(_BINARY[op](a, b)))


def guarded_inplacevar(op: str, a: Any, b: Any) -> Any:
    """``a <op>= b`` (RestrictedPython rewrites augmented assignment to names into this)."""
    if op in ("+=", "-=") and type(a) in _NUMBERS and type(b) in _NUMBERS:
        return _INPLACE[op](a, b)
    _precheck(op[:-1], a, b)
    return weigh(_charge(_INPLACE[op](a, b)))


def guarded_getattr(obj: Any, name: str, *default: Any) -> Any:
    """Attribute read: no private/dunder names, no interpreter internals, no ``str.format``."""
    if not isinstance(name, str) or name.startswith("_") or name in _FORBIDDEN_ATTRIBUTES:
        _fail(violations.forbidden_attribute(str(name)))
    if name in ("format", "format_map") and (
            isinstance(obj, str) or (isinstance(obj, type) and issubclass(obj, str))
            or obj is HELPERS.get("str")):
        _fail(violations.forbidden_format())
    value = getattr(obj, name, *default)
    if isinstance(obj, (str, bytes)) and name in _SIZED_METHODS:
        return _sized_method(obj, name, value)
    return value


def guarded_getitem(obj: Any, index: Any) -> Any:
    value = obj[index]
    if isinstance(index, slice):
        _charge(value)
    return value


def guarded_getiter(obj: Any):
    """Iterate, ticking once per item so C-level consumers of script iterables stay bounded."""
    for item in obj:
        tick()
        yield item


def _apply(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return function(*args, **kwargs)


# -- string methods whose result can be much larger than their input ----------------------------------
def _estimate(obj: str | bytes, name: str, args: tuple, kwargs: dict) -> int:
    if name in ("ljust", "rjust", "center", "zfill"):
        width = args[0] if args else kwargs.get("width", 0)
        return width if _is_int(width) else 0
    if name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        return len(obj) * max(size, 1) if _is_int(size) else len(obj)
    if name == "replace" and len(args) >= 2:
        old, new = args[0], args[1]
        occurrences = obj.count(old) if old else len(obj) + 1
        if len(args) > 2 and _is_int(args[2]) and args[2] >= 0:
            occurrences = min(occurrences, args[2])
        return len(obj) + occurrences * max(len(new) - len(old), 0)
    return 0


_SIZED_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "replace", "join"})


def _sized_method(obj: str | bytes, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        if name == "join" and args:
            items = list(args[0])
            total = sum(len(i) for i in items if isinstance(i, (str, bytes)))
            _check_length("join", total + len(obj) * max(len(items) - 1, 0))
            return _charge(method(items))
        _check_length(name, _estimate(obj, name, args, kwargs))
        return _charge(method(*args, **kwargs))
    return call


# -- helpers ------------------------------------------------------------------------------------------
class _Charged:
    """A builtin type whose results count against the allocation budget; ``isinstance`` still works."""

    def __init__(self, real: type | Callable[..., Any]) -> None:
        self._real = real

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for argument in args:
            weigh(argument)
        return weigh(_charge(self._real(*args, **kwargs)))

    def __instancecheck__(self, instance: Any) -> bool:
        return isinstance(instance, self._real)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __repr__(self) -> str:
        return repr(self._real)


def guarded_range(*args: int) -> range:
    result = range(*args)
    try:
        length = len(result)
    except OverflowError:
        length = current().limits.max_sequence_length + 1
    _check_length("range", length)
    return result


def guarded_sum(iterable: Any, start: Any = 0) -> Any:
    if not isinstance(start, (int, float, Decimal)):
        _fail(violations.too_large("sum() start must be a number", 1, 0))
    return sum(iterable, start)


HELPERS: dict[str, Any] = {
    "None": None, "True": True, "False": False,
    "abs": abs, "all": all, "any": any, "bool": bool, "chr": chr, "divmod": divmod,
    "enumerate": enumerate, "filter": filter, "float": float, "int": int, "isinstance": isinstance,
    "len": len, "map": map, "max": max, "min": min, "ord": ord, "reversed": reversed, "round": round,
    "zip": zip, "range": guarded_range, "sum": guarded_sum,
    "str": _Charged(str), "repr": _Charged(repr), "list": _Charged(list), "tuple": _Charged(tuple),
    "dict": _Charged(dict), "set": _Charged(set), "frozenset": _Charged(frozenset),
    "sorted": _Charged(sorted),
    "datetime": datetime, "date": date, "time": time, "timedelta": timedelta, "timezone": timezone,
    "Decimal": Decimal, "ROUND_HALF_UP": ROUND_HALF_UP,
    "Exception": Exception, "ValueError": ValueError, "KeyError": KeyError, "TypeError": TypeError,
    "IndexError": IndexError, "LookupError": LookupError, "ArithmeticError": ArithmeticError,
    "ZeroDivisionError": ZeroDivisionError,
}

GUARDS: dict[str, Any] = {
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_getiter_": guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": guarded_inplacevar,
    "_binop_": guarded_binop,
    "_apply_": _apply,
    "_tick_": tick,
    "_weigh_": weigh,
}


def build_builtins(extra_helpers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``__builtins__`` of a sandboxed run: helpers, optional extra helpers, guards."""
    namespace = dict(HELPERS)
    for name, value in (extra_helpers or {}).items():
        if name.startswith("_"):
            raise ValueError(f"helper names may not start with '_': {name}")
        namespace[name] = value
    namespace.update(GUARDS)
    return namespace
