"""``parse_timestamp``'s fast path for the QCVN layouts gives exactly what the strptime loop gave."""

from __future__ import annotations

import random
import re
from datetime import datetime

import pytest

from connectors.edxml.dates import parse_date, parse_timestamp

_DATE_FORMATS = ("%Y/%m/%d", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")
_TIME_SUFFIXES = (" %H:%M:%S", "T%H:%M:%S", " %H:%M", "")
_ISO_OFFSET = re.compile(r"[+-]\d{2}:?\d{2}$|Z$")
FULL_WIDTH = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]{2}( [0-9]{2}:[0-9]{2}:[0-9]{2})?")


def loop_only(text: str | None) -> datetime | None:
    """The function before the fast path, verbatim: the reference the fast path must agree with."""
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    if _ISO_OFFSET.search(text) and "T" in text:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    for date_format in _DATE_FORMATS:
        for suffix in _TIME_SUFFIXES:
            try:
                return datetime.strptime(text, date_format + suffix)
            except ValueError:
                continue
    raise ValueError(f"unreadable date {text!r}")


def outcome(function, text):  # type: ignore[no-untyped-def]
    try:
        return function(text)
    except ValueError:
        return ValueError


def _field(rng: random.Random, width: int, top: int) -> str:
    """A field near its valid range, sometimes one digit short, zero, out of range or in Arabic-Indic digits."""
    choice = rng.random()
    if choice < 0.02:
        return "٠٣"  # not ASCII digits: strptime's \d takes them
    valid = rng.randint(1000, top) if width == 4 else rng.randint(1, min(top, 28))
    value = rng.choice([valid] * 16 + [0, top, top + 1, rng.randint(0, 10 ** width - 1)])
    return str(value) if choice < 0.1 else str(value).zfill(width)


def _strings(count: int) -> list[str]:
    rng = random.Random(20250314)
    out = []
    for _ in range(count):
        year, month, day = _field(rng, 4, 2100), _field(rng, 2, 12), _field(rng, 2, 31)
        hour, minute, second = _field(rng, 2, 23), _field(rng, 2, 59), _field(rng, 2, 61)
        sep = rng.choice("///-.")
        date_part = rng.choice([f"{year}{sep}{month}{sep}{day}"] * 3 + [f"{day}{sep}{month}{sep}{year}"])
        time_part = rng.choice(["", "", f" {hour}:{minute}:{second}", f" {hour}:{minute}:{second}",
                                f"T{hour}:{minute}:{second}", f" {hour}:{minute}", f"  {hour}:{minute}:{second}",
                                f" {hour}:{minute}:{second}Z", f"T{hour}:{minute}:{second}+07:00"])
        padding = rng.choice(["", "", " ", "\n\t", " \u00a0"])
        out.append(padding + date_part + time_part + padding)
    return out


REAL = ["2025/03/14", "2026/12/07 22:39:02", "14/03/2025", "2025-03-14", "2025-03-14T08:30:00",
        "2025-03-14T08:30:00+07:00", "2025-03-14T08:30:00Z", "2025/3/4", "2025/03/14 8:05:00", "2025/03/14 08:05",
        "2024/02/29", "2023/02/29", "2025/13/01", "2025/00/10", "0000/01/01", "0001/01/01", "9999/12/31 23:59:59",
        "2025/03/14 24:00:00", "2025/03/14 23:60:00", "2025/03/14 23:59:60", "2025/03/14 23:59:61",
        "2025/03/14 ", " 2025/03/14 10:00:00 ", "2025/03/14  10:00:00", "2025/03/1410:00:00", "20250314",
        "2025/03/14 10:00:00.5", "٢٠٢٥/٠٣/١٤", "2025/03/14 10:00", "", "   ", None, "not a date"]


@pytest.mark.parametrize("text", REAL)
def test_real_and_edge_strings_read_as_before(text: str | None) -> None:
    assert outcome(parse_timestamp, text) == outcome(loop_only, text)


def test_thousands_of_generated_strings_read_as_before() -> None:
    strings = _strings(6000)
    # the strings reach both sides: the full-width layouts (the fast path) and the loop's other layouts
    assert sum(bool(FULL_WIDTH.fullmatch(s.strip())) for s in strings) > 300
    assert sum(isinstance(outcome(loop_only, s), datetime) for s in strings) > 1500
    for text in strings:
        assert outcome(parse_timestamp, text) == outcome(loop_only, text), text


def test_canonical_layouts() -> None:
    assert parse_timestamp("2026/12/07 22:39:02") == datetime(2026, 12, 7, 22, 39, 2)
    assert parse_date("2025/03/14") == datetime(2025, 3, 14).date()
    with pytest.raises(ValueError):
        parse_timestamp("2025/02/30")
