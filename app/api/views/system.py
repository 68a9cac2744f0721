"""Public endpoints: health for load balancers and the generated OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from ..openapi import build_openapi
from ..routing import container, endpoint
from ..schemas.operations import HealthSchema

OPENAPI_CACHE_KEY = "quytrinh.openapi"


@endpoint("/health", tag="system", response=HealthSchema, public=True, errors=(503,))
def health() -> tuple[dict[str, Any], int]:
    """Liveness and database reachability (no details that would help an attacker)."""
    try:
        with container().db.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        current_app.logger.exception("health check: database unreachable")
        return {"status": "degraded", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


@endpoint("/openapi.json", tag="system", public=True)
def openapi_document() -> ResponseReturnValue:
    """This API's OpenAPI 3 document, generated from the registered routes and schemas."""
    document = current_app.extensions.get(OPENAPI_CACHE_KEY)
    if document is None:
        document = build_openapi(current_app)
        current_app.extensions[OPENAPI_CACHE_KEY] = document
    return jsonify(document)
