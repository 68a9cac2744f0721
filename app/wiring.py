"""The service-task operators the application gives the engine.

Signing and the exchange connector register their operators here; the engine only sees names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine import OperatorContext, ServiceRegistry

if TYPE_CHECKING:
    from .container import Container


def _notify(params: dict[str, Any], ctx: OperatorContext) -> dict[str, Any]:
    """Record a notification to the applicant (mail delivery is a later connector)."""
    message = str(params.get("message", ""))
    to = str(params.get("to", "applicant"))
    ctx.audit("notification", {"to": to, "message": message})
    return {"to": to, "message": message}


def build_registry(container: Container) -> ServiceRegistry:
    registry = ServiceRegistry()
    registry.register("notify", _notify)
    return registry
