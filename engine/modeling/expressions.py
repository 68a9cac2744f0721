"""Deploy-time sandbox check of every piece of Python a model carries.

SpiffWorkflow evaluates far more than script tasks: gateway conditions, timer values, pre/post scripts,
multi-instance cardinality and completion conditions, loop conditions, message payloads and correlation
expressions, and service task parameters. All of them are collected here (with the element that owns
them) and compiled with the same sandbox compiler the runtime uses, so a model that deploys never meets
a compile-time refusal while a case is running.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from engine.scripting import check_source, describe_refusal

from .elements import owner_id
from .problems import Problem, problem
from .timers import TimerExpression
from .xml import BPMN_NS, SPIFF_NS, line_of

_B = f"{{{BPMN_NS}}}"
_S = f"{{{SPIFF_NS}}}"

# (tag, mode, what it is in the owner's words: vi, en)
_TEXT_SOURCES = [
    (f"{_B}script", "exec", ("đoạn mã của tác vụ", "task script")),
    (f"{_B}conditionExpression", "eval", ("điều kiện của luồng", "flow condition")),
    (f"{_S}preScript", "exec", ("đoạn mã trước (pre-script)", "pre-script")),
    (f"{_S}postScript", "exec", ("đoạn mã sau (post-script)", "post-script")),
    (f"{_B}loopCardinality", "eval", ("số lần lặp đa thể hiện", "multi-instance cardinality")),
    (f"{_B}completionCondition", "eval", ("điều kiện hoàn thành đa thể hiện", "multi-instance completion condition")),
    (f"{_B}loopCondition", "eval", ("điều kiện lặp", "loop condition")),
    (f"{_S}messagePayload", "eval", ("nội dung thông điệp", "message payload")),
    (f"{_S}expression", "eval", ("biểu thức tương quan", "correlation expression")),
    (f"{_B}messagePath", "eval", ("biểu thức tương quan", "correlation expression")),
]


@dataclass(frozen=True)
class CodeSnippet:
    file: str
    line: int | None
    element_id: str | None
    mode: str
    source: str
    what_vi: str
    what_en: str


def collect_snippets(path: str, scope: etree._Element) -> Iterator[CodeSnippet]:
    """Every expression or script under ``scope`` (a process, or a root correlation property)."""
    for tag, mode, (what_vi, what_en) in _TEXT_SOURCES:
        for element in scope.iter(tag):
            text = element.text or ""
            if not text.strip():
                continue
            yield CodeSnippet(path, line_of(element), owner_id(element), mode, text, what_vi, what_en)
    for formal in scope.iter(f"{_B}formalExpression"):
        parent = formal.getparent()
        if parent is not None and parent.tag == f"{_B}correlationPropertyRetrievalExpression" and formal.text:
            yield CodeSnippet(path, line_of(formal), owner_id(formal), "eval", formal.text,
                              "biểu thức tương quan", "correlation expression")
    for parameter in scope.iter(f"{_S}parameter"):
        value = parameter.get("value")
        if value is not None and value.strip():
            yield CodeSnippet(path, line_of(parameter), owner_id(parameter), "eval", value,
                              f"tham số '{parameter.get('id')}' của tác vụ dịch vụ",
                              f"service task parameter '{parameter.get('id')}'")


def timer_snippets(path: str, timers: list[TimerExpression]) -> Iterator[CodeSnippet]:
    for timer in timers:
        yield CodeSnippet(path, timer.line, timer.element_id, "eval", timer.source,
                          f"biểu thức hẹn giờ {timer.kind}", f"timer {timer.kind} expression")


def check_snippets(snippets: Iterator[CodeSnippet]) -> list[Problem]:
    found = []
    for snippet in snippets:
        errors = check_source(snippet.source, snippet.mode)  # type: ignore[arg-type]
        if not errors:
            continue
        if all(": SyntaxError: " in error for error in errors):
            found.append(_syntax_problem(snippet, errors))
            continue
        refusal = describe_refusal(errors)
        found.append(problem(
            "unsafe_script",
            f"{snippet.what_vi.capitalize()} của '{snippet.element_id}' bị từ chối: {refusal.message_vi}",
            f"The {snippet.what_en} of '{snippet.element_id}' is refused: {refusal.message_en}",
            file=snippet.file, line=_script_line(snippet, errors), element_id=snippet.element_id))
    return found


def _syntax_problem(snippet: CodeSnippet, errors: list[str]) -> Problem:
    detail = "; ".join(errors)
    return problem(
        "script_syntax_error",
        f"{snippet.what_vi.capitalize()} của '{snippet.element_id}' không phải Python hợp lệ ({detail}). Hệ thống "
        "chạy biểu thức Python, ví dụ approved == True; cú pháp ${...} (JUEL) hay FEEL không được hiểu.",
        f"The {snippet.what_en} of '{snippet.element_id}' is not valid Python ({detail}). The engine runs Python "
        "expressions such as approved == True; ${...} (JUEL) and FEEL are not understood.",
        file=snippet.file, line=_script_line(snippet, errors), element_id=snippet.element_id)


def _script_line(snippet: CodeSnippet, errors: list[str]) -> int | None:
    """Point at the offending line inside a multi-line script when the compiler names it."""
    if snippet.line is None:
        return None
    first = errors[0]
    if first.startswith("Line "):
        try:
            offset = int(first[5:first.index(":")]) - 1
        except ValueError:
            return snippet.line
        return snippet.line + max(offset, 0)
    return snippet.line
