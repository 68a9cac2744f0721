"""Dates as they appear in real edXML packages, and the one form we write.

QCVN 102:2016 writes dates as ``yyyy/MM/dd`` and timestamps as ``yyyy/MM/dd HH:mm:ss``; packages
from some document systems use ``dd/MM/yyyy`` instead, and a few use ISO 8601. We read all of
them and always write the QCVN form, so a package we emit looks like the reference SDK's.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_DATE_FORMATS = ("%Y/%m/%d", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")
_TIME_SUFFIXES = (" %H:%M:%S", "T%H:%M:%S", " %H:%M", "")
_ISO_OFFSET = re.compile(r"[+-]\d{2}:?\d{2}$|Z$")
# The QCVN layouts with every field at full width (what we and the reference SDK write). ASCII digits
# only: strptime's ``\d`` would also take other scripts' digits, and those stay with strptime.
_CANONICAL = re.compile(r"([0-9]{4})/([0-9]{2})/([0-9]{2})(?: ([0-9]{2}):([0-9]{2}):([0-9]{2}))?")

DATE_FORMAT = "%Y/%m/%d"
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"


def parse_date(text: str | None) -> date | None:
    """Read a date in any of the accepted layouts; ``None`` for empty; ValueError if unreadable."""
    stamp = parse_timestamp(text)
    return stamp.date() if stamp else None


def parse_timestamp(text: str | None) -> datetime | None:
    """Read a timestamp (or a bare date, at midnight) in any accepted layout.

    ``yyyy/MM/dd`` and ``yyyy/MM/dd HH:mm:ss`` at full width (nearly every real date) are read with
    one regular expression: the layout loop below tries ``strptime`` up to 16 times, each failure a
    raised ValueError, and even a bare QCVN date fails three times before it matches. Those strings are
    the first layout the loop accepts, so the answer is the same; a field out of range (month 13) goes
    on to the loop, which decides as before.
    """
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    canonical = _canonical(text)
    if canonical is not None:
        return canonical
    if _ISO_OFFSET.search(text) and "T" in text:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    for date_format in _DATE_FORMATS:
        for suffix in _TIME_SUFFIXES:
            try:
                return datetime.strptime(text, date_format + suffix)
            except ValueError:
                continue
    raise ValueError(f"unreadable date {text!r}")


def _canonical(text: str) -> datetime | None:
    """``text`` in a full-width QCVN layout, or ``None`` (another layout, or a field out of range)."""
    match = _CANONICAL.fullmatch(text)
    if match is None:
        return None
    try:
        return datetime(*(int(field) for field in match.groups() if field is not None))
    except ValueError:
        return None


def format_date(value: date | None) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def format_timestamp(value: datetime | None) -> str:
    return value.strftime(TIMESTAMP_FORMAT) if value else ""
