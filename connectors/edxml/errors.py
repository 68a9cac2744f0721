"""Errors raised while reading, writing or checking edXML packages.

A refused package must say why in words a clerk (Vietnamese) and an integrator (English) can act on,
plus a stable code the application can map to a status reply (e.g. 02 "rejected") or an HTTP error.
"""

from __future__ import annotations

from typing import Any


class EdxmlError(Exception):
    """A package that cannot be read, written or accepted."""

    def __init__(self, code: str, message_vi: str, message_en: str, details: Any = None) -> None:
        super().__init__(f"[{code}] {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message_vi, "message_en": self.message_en,
                "details": self.details}


class Finding:
    """A non-fatal observation about a package (a quirk tolerated on read).

    Kept apart from errors: a real package from the axis with a known quirk is still accepted, but
    the receiver's log should say what was tolerated.
    """

    __slots__ = ("code", "message_vi", "message_en", "details")

    def __init__(self, code: str, message_vi: str, message_en: str, details: Any = None) -> None:
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message_vi, "message_en": self.message_en,
                "details": self.details}

    def __repr__(self) -> str:
        return f"Finding({self.code!r}, {self.message_en!r})"
