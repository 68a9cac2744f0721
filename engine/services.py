"""The registry of named service-task operators that the application fills.

An operator is a callable ``(params, context) -> JSON-serialisable result``. Signing registers
``sign_document``, the exchange connector ``axis_send_status``... The engine only knows names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class OperatorContext(Protocol):
    """What an operator may use: the case it runs for, its data, its documents and its audit trail."""

    case_id: int
    task_bpmn_id: str
    data: dict[str, Any]
    session: Any  # the step's SQLAlchemy session, for application tables written in the same transaction

    def put_document(self, content: bytes, name: str, media_type: str, role: str = "result") -> str: ...

    def get_document(self, sha256: str) -> bytes: ...

    def documents(self) -> list[dict[str, Any]]: ...

    def audit(self, kind: str, payload: dict[str, Any]) -> None: ...

    def enqueue(self, channel: str, kind: str, payload: dict[str, Any], body: bytes | None = None) -> int:
        """Queue a message for an outside system in the step's own transaction (transactional outbox)."""
        ...


Operator = Callable[[dict[str, Any], OperatorContext], Any]


class OperatorError(Exception):
    """An operator failed in a way worth showing to people (code + Vietnamese + English)."""

    def __init__(self, message_vi: str, message_en: str = "", code: str = "operator_failed",
                 retryable: bool = True) -> None:
        super().__init__(message_en or message_vi)
        self.message_vi = message_vi
        self.message_en = message_en or message_vi
        self.code = code
        self.retryable = retryable


@dataclass
class ServiceRegistry:
    operators: dict[str, Operator] = field(default_factory=dict)

    def register(self, name: str, operator: Operator) -> None:
        self.operators[name] = operator

    def names(self) -> set[str]:
        return set(self.operators)

    def get(self, name: str) -> Operator:
        try:
            return self.operators[name]
        except KeyError:
            raise OperatorError(f"Không có dịch vụ '{name}'", f"No operator named '{name}'",
                                code="unknown_operator", retryable=False) from None
