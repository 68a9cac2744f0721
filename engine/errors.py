"""Errors the engine raises.

Every error carries a stable machine code, a Vietnamese message for the person in front of the
interface, an English one for logs and API clients, and structured details. The application maps
them to HTTP responses and CLI exit codes; the engine itself never knows about HTTP.
"""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    code: str = "engine_error"
    http_status: int = 400

    def __init__(self, message_vi: str, message_en: str | None = None, *, code: str | None = None,
                 details: Any = None) -> None:
        super().__init__(message_en or message_vi)
        self.message_vi = message_vi
        self.message_en = message_en or message_vi
        if code:
            self.code = code
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message_vi, "message_en": self.message_en,
                "details": self.details}


class NotFound(EngineError):
    code = "not_found"
    http_status = 404


class PermissionDenied(EngineError):
    code = "forbidden"
    http_status = 403


class Conflict(EngineError):
    """Someone else changed the object first (optimistic version check, claimed task...)."""

    code = "conflict"
    http_status = 409


class InvalidData(EngineError):
    """Submitted data failed validation; ``details`` maps field paths to messages."""

    code = "invalid_data"
    http_status = 422


class ModelRejected(EngineError):
    """A process model failed validation at deploy time; ``details`` lists the problems."""

    code = "model_rejected"
    http_status = 422


class ScriptBlocked(EngineError):
    """A script, condition or expression in a model tried something the sandbox forbids."""

    code = "script_blocked"
    http_status = 422
