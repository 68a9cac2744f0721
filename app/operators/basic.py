"""Operators every procedure uses: notifications and online payment requests."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from engine import OperatorContext, OperatorError, ServiceRegistry

if TYPE_CHECKING:
    from ..container import Container


def notify(params: dict[str, Any], ctx: OperatorContext) -> dict[str, Any]:
    """Record a notification in the case's trail; the inbox page shows it to its recipient."""
    message = str(params.get("message", ""))
    to = str(params.get("to", "applicant"))
    ctx.audit("notification", {"to": to, "message": message})
    return {"to": to, "message": message}


def payment_request(params: dict[str, Any], ctx: OperatorContext) -> dict[str, Any]:
    """Open a payment request for the case's fee.

    The case then waits for the ``payment_confirmed`` message, correlated on the case id, which the
    payment gateway's callback (or a cashier through the API) sends.
    """
    try:
        amount = int(params.get("amount_vnd") or 0)
    except (TypeError, ValueError):
        raise OperatorError("Số tiền lệ phí không hợp lệ", "Invalid fee amount", code="bad_amount",
                            retryable=False) from None
    if amount < 0:
        raise OperatorError("Số tiền lệ phí âm", "Negative fee amount", code="bad_amount", retryable=False)
    reference = f"QT-{ctx.case_id}-{secrets.token_hex(4).upper()}"
    request = {"reference": reference, "amount_vnd": amount, "purpose": str(params.get("purpose", "")),
               "correlation_key": str(ctx.case_id), "message": "payment_confirmed"}
    ctx.audit("payment_requested", request)
    return request


def register(registry: ServiceRegistry, container: Container) -> None:
    registry.register("notify", notify)
    registry.register("payment_request", payment_request)
