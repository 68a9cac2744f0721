"""Time source. Everything in the engine asks ``utcnow()`` so tests can move the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)
_frozen: datetime | None = None


def utcnow() -> datetime:
    return (_frozen or datetime.now(UTC)) + _offset


def freeze(at: datetime | None = None) -> None:
    """Stop the engine's clock (tests that count due jobs must not depend on how busy the machine is)."""
    global _frozen
    _frozen = at or datetime.now(UTC)


def advance(delta: timedelta) -> None:
    """Move the engine's clock forward (tests and the demo use it to make timers due)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset, _frozen
    _offset = timedelta(0)
    _frozen = None


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; treat them as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
