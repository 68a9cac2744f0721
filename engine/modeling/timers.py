"""Timer definitions: accept ISO 8601 as modelling tools write it, and Python expressions.

SpiffWorkflow evaluates ``timeDate``/``timeDuration``/``timeCycle`` as Python, so a bare ``P7D`` fails
with a NameError when the timer starts (long after deploy) and a bare ``2026-12-01`` silently evaluates
to the integer 2013. Every modelling tool writes the bare form. At load time a value that *is* ISO 8601
is rewritten into a quoted string literal (in the in-memory tree SpiffWorkflow parses; the stored file is
unchanged); anything else is kept as a Python expression and goes through the sandbox check. Literal
values (bare or quoted) are also parsed with SpiffWorkflow's own ISO parser, so a malformed duration is
refused at deploy rather than at run time.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .elements import nearest_id
from .problems import Problem, problem
from .xml import BPMN_NS, line_of

_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = rf"P(?=[\dT])(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?" \
            rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?"
_DATETIME = r"\d{4}-\d{2}-\d{2}(?:T\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
_WEEK = r"\d{4}-?W\d{2}-?\d(?:T[\d:.,]+(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
_POINT = rf"(?:{_DATETIME}|{_WEEK})"
_ISO = re.compile(rf"^(?:{_DURATION}|{_POINT}|R\d*/(?:{_DURATION}|{_POINT})(?:/(?:{_DURATION}|{_POINT}))?)$")

KINDS = ("timeDate", "timeDuration", "timeCycle")


def is_bare_iso8601(text: str) -> bool:
    return bool(_ISO.match(text.strip()))


@dataclass(frozen=True)
class TimerExpression:
    """A timer's expression after normalisation, for the sandbox check."""

    element_id: str | None
    kind: str
    source: str
    line: int | None


def _literal(text: str) -> str | None:
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def _iso_error(kind: str, value: str) -> str | None:
    """Why SpiffWorkflow's ISO parser would refuse ``value`` for this kind of timer, if it would."""
    try:
        if kind == "timeDuration":
            TimerEventDefinition.parse_iso_duration(value)
        elif kind == "timeDate":
            TimerEventDefinition.parse_time_or_duration(value)
        else:
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception as exc:  # Spiff raises bare Exception / ValueError / IndexError here
        return str(exc) or exc.__class__.__name__
    return None


def normalise_timers(path: str, process: etree._Element) -> tuple[list[TimerExpression], list[Problem]]:
    """Rewrite bare ISO 8601 values in place; return the Python expressions left and the problems."""
    expressions: list[TimerExpression] = []
    found: list[Problem] = []
    for definition in process.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        event_id = nearest_id(definition.getparent()) if definition.getparent() is not None else None
        specs = [child for child in definition if child.tag in {f"{{{BPMN_NS}}}{k}" for k in KINDS}]
        texts = [(spec, (spec.text or "").strip()) for spec in specs]
        texts = [(spec, text) for spec, text in texts if text]
        if not texts:
            found.append(problem(
                "timer_without_expression",
                f"Bộ hẹn giờ '{event_id}' không có biểu thức (timeDate, timeDuration hoặc timeCycle), ví dụ "
                "P5D hoặc 2026-12-01T08:00:00+07:00.",
                f"Timer '{event_id}' has no expression (timeDate, timeDuration or timeCycle), e.g. P5D or "
                "2026-12-01T08:00:00+07:00.", file=path, line=line_of(definition), element_id=event_id))
            continue
        spec, text = texts[0]
        kind = etree.QName(spec).localname
        literal = text if is_bare_iso8601(text) else _literal(text)
        if literal is not None:
            reason = _iso_error(kind, literal)
            if reason:
                found.append(problem(
                    "timer_invalid",
                    f"Giá trị {kind} '{literal}' của bộ hẹn giờ '{event_id}' không phải ISO 8601 hợp lệ: {reason}.",
                    f"The {kind} value '{literal}' of timer '{event_id}' is not valid ISO 8601: {reason}.",
                    file=path, line=line_of(spec), element_id=event_id))
                continue
            if text == literal:  # bare: make it the string literal Spiff will evaluate
                spec.text = repr(literal)
        expressions.append(TimerExpression(event_id, kind, spec.text, line_of(spec)))
    return expressions, found
