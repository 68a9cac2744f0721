"""What the sandbox refuses, said in Vietnamese and English, and how it becomes ``ScriptBlocked``.

Inside a running script a refusal travels as :class:`SandboxViolation`, a ``BaseException``: scripts
may legitimately write ``except Exception:`` and that must not swallow the sandbox's stop. At the
boundary (the environment) it is turned into ``engine.errors.ScriptBlocked`` for the runtime to record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import ScriptBlocked


@dataclass(frozen=True)
class Violation:
    """One reason a script was stopped; ``code`` is stable, messages are for people."""

    code: str
    message_vi: str
    message_en: str


class SandboxViolation(BaseException):  # noqa: N818 - it is a control-flow signal, not an error class
    """Raised inside the sandbox; never escapes the environment as such.

    Built as ``SandboxViolation(violation)`` with no Python-level ``__init__``: near the recursion limit
    a constructor frame could itself fail, and the stop would turn into a catchable RecursionError.
    """

    @property
    def violation(self) -> Violation:
        return self.args[0]


def timeout(seconds: float) -> Violation:
    return Violation("script_timeout",
                     f"Đoạn mã chạy quá thời gian cho phép ({seconds:g} giây), có thể do vòng lặp vô hạn.",
                     f"The script ran longer than the allowed {seconds:g} s (endless loop?).")


def too_large(what: str, size: int, limit: int) -> Violation:
    return Violation("script_too_large",
                     f"Đoạn mã tạo giá trị quá lớn ({what}: {size:,} > {limit:,}).",
                     f"The script builds a value that is too large ({what}: {size:,} > {limit:,}).")


def allocation_budget(total: int, limit: int) -> Violation:
    return Violation("script_memory_budget",
                     f"Đoạn mã cấp phát quá nhiều dữ liệu ({total:,} phần tử, giới hạn {limit:,}).",
                     f"The script allocates too much data ({total:,} items, limit {limit:,}).")


def forbidden_attribute(name: str) -> Violation:
    return Violation("script_forbidden_attribute",
                     f"Không được truy cập thuộc tính '{name}' trong đoạn mã quy trình.",
                     f"Access to attribute '{name}' is not allowed in procedure scripts.")


def forbidden_format() -> Violation:
    return Violation("script_forbidden_format",
                     "Không được dùng str.format/format_map (có thể lộ thuộc tính nội bộ); hãy dùng f-string.",
                     "str.format/format_map is not allowed (it can reach internal attributes); use an f-string.")


def not_json(key: str, type_name: str) -> Violation:
    return Violation("script_data_not_json",
                     f"Dữ liệu hồ sơ phải chuyển được sang JSON: biến '{key}' có kiểu {type_name} "
                     "(hãy đổi sang chuỗi, ví dụ .isoformat() hoặc str()).",
                     f"Task data must stay JSON-serialisable: variable '{key}' holds a {type_name} "
                     "(convert it, e.g. with .isoformat() or str()).")


def service_unavailable(operation: str) -> Violation:
    return Violation("service_unavailable",
                     f"Không có bộ gọi dịch vụ cho thao tác '{operation}'.",
                     f"No service caller is configured for operation '{operation}'.")


# RestrictedPython reports compile-time refusals in English; give each family a Vietnamese reading.
_COMPILE_MESSAGES_VI = [
    (re.compile(r"import", re.I), "không được import module"),
    (re.compile(r'starts with "_"'), "không được dùng tên hoặc thuộc tính bắt đầu bằng '_'"),
    (re.compile(r"restricted name"), "không được truy cập thuộc tính nội bộ (frame, code, generator)"),
    (re.compile(r"(Exec|Eval) calls"), "không được gọi exec/eval"),
    (re.compile(r"not available in procedure scripts"), "không được gọi hàm này trong đoạn mã quy trình"),
    (re.compile(r"Class definitions"), "không được định nghĩa lớp (class)"),
    (re.compile(r"yield|[Gg]enerator"), "không được dùng generator (yield)"),
    (re.compile(r"format spec"), "đặc tả định dạng trong f-string không hợp lệ hoặc quá lớn"),
    (re.compile(r"\.format"), "không được dùng str.format/format_map; hãy dùng f-string"),
    (re.compile(r"SyntaxError"), "lỗi cú pháp Python"),
]


def compile_refusal(errors: list[str] | tuple[str, ...]) -> Violation:
    """A single violation summarising RestrictedPython's (and our policy's) compile errors."""
    english = "; ".join(errors)
    vi_reasons = []
    for error in errors:
        for pattern, reason in _COMPILE_MESSAGES_VI:
            if pattern.search(error) and reason not in vi_reasons:
                vi_reasons.append(reason)
                break
    vi = "; ".join(vi_reasons) or "đoạn mã dùng cấu trúc không được phép"
    return Violation("script_forbidden_code", f"Đoạn mã bị chặn: {vi} ({english}).",
                     f"Script refused: {english}")


def to_script_blocked(violation: Violation, *, element_id: str | None = None,
                      source: str | None = None) -> ScriptBlocked:
    """The engine-level error the runtime records as an incident."""
    where_vi = f" (phần tử {element_id})" if element_id else ""
    where_en = f" (element {element_id})" if element_id else ""
    details = {"reason": violation.code, "element_id": element_id}
    if source is not None:
        details["source"] = source if len(source) <= 300 else source[:300] + "…"
    return ScriptBlocked(violation.message_vi + where_vi, violation.message_en + where_en, details=details)
