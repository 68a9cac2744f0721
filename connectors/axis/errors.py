"""Errors of the axis client and hub: a stable code, Vietnamese and English messages, details."""

from __future__ import annotations

from typing import Any


class AxisError(Exception):
    """Something went wrong talking to (or serving) the document exchange axis."""

    http_status = 400

    def __init__(self, code: str, message_vi: str, message_en: str, details: Any = None,
                 http_status: int | None = None) -> None:
        super().__init__(f"[{code}] {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.details = details
        if http_status is not None:
            self.http_status = http_status

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message_vi, "message_en": self.message_en,
                "details": self.details}


class AxisAuthError(AxisError):
    """The request's HMAC, system or timestamp was refused (HTTP 401)."""

    http_status = 401


class AxisUnavailable(AxisError):
    """The axis could not be reached, or kept failing, after every retry."""

    http_status = 503
