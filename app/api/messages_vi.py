"""Vietnamese for marshmallow's validation messages, so field errors read "tiếng Việt / English".

Marshmallow only speaks English; the people filling the forms read Vietnamese. Field errors keep the
English text after the slash (clients may already match on it), in the same "vi / en" shape the
engine uses for form errors ("bắt buộc / required").
"""

from __future__ import annotations

import re
from typing import Any

_RULES: list[tuple[re.Pattern[str], str]] = [(re.compile(pattern), vi) for pattern, vi in [
    (r"^Unknown field\.$", "Trường không được phép"),
    (r"^Missing data for required field\.$", "Bắt buộc"),
    (r"^Field may not be null\.$", "Không được để trống (null)"),
    (r"^Not a valid integer\.$", "Phải là số nguyên"),
    (r"^Not a valid string\.$", "Phải là chuỗi ký tự"),
    (r"^Not a valid boolean\.$", "Phải là true hoặc false"),
    (r"^Not a valid mapping type\.$", "Phải là đối tượng JSON"),
    (r"^Not a valid list\.$", "Phải là danh sách"),
    (r"^Invalid input type\.$", "Kiểu dữ liệu không hợp lệ (cần một đối tượng JSON)"),
    (r"^Shorter than minimum length (\d+)\.$", r"Ngắn hơn độ dài tối thiểu \1"),
    (r"^Longer than maximum length (\d+)\.$", r"Dài hơn độ dài tối đa \1"),
    (r"^Length must be between (\d+) and (\d+)\.$", r"Độ dài phải từ \1 đến \2"),
    (r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$", r"Phải từ \1 đến \2"),
    (r"^Must be greater than or equal to (\S+)\.$", r"Phải lớn hơn hoặc bằng \1"),
    (r"^Must be less than or equal to (\S+)\.$", r"Phải nhỏ hơn hoặc bằng \1"),
    (r"^Must be one of: (.*)\.$", r"Phải là một trong: \1"),
]]


def bilingual(message: str) -> str:
    """``"Unknown field."`` → ``"Trường không được phép / Unknown field."``; unknown texts pass through."""
    for pattern, vi in _RULES:
        if pattern.match(message):
            return f"{pattern.sub(vi, message)} / {message}"
    return message


def translate_messages(messages: Any) -> Any:
    """Apply :func:`bilingual` to every string in marshmallow's nested error structure."""
    if isinstance(messages, str):
        return bilingual(messages)
    if isinstance(messages, list):
        return [translate_messages(m) for m in messages]
    if isinstance(messages, dict):
        return {key: translate_messages(value) for key, value in messages.items()}
    return messages
