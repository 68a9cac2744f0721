"""Errors about the input of a validation (not about a signature: those are verdicts in the report)."""

from __future__ import annotations

from typing import Any


class ValidationInputError(Exception):
    """The document or the settings cannot be validated at all (not a PDF, encrypted, too big...)."""

    def __init__(self, message_vi: str, message_en: str, *, code: str = "validation_input",
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        self.code = code
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message_vi, "message_en": self.message_en,
                "details": self.details}
