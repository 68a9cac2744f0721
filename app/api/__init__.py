"""REST API under /api/v1: one request pipeline (authenticate, check access, process, respond),
deny by default, JSON errors everywhere, marshmallow schemas and a generated OpenAPI document.

Public pieces for other parts of the app: :func:`register_api` (called by the factory) and
:func:`~app.api.routing.public` to mark a page reachable without logging in (the deny-by-default test
walks the whole URL map, pages included). Web pages can resolve the caller the same way the API does
with :func:`app.api.auth.authenticate_request`.

Adding an endpoint: a function in ``views/<resource>.py`` decorated with
:func:`~app.api.routing.endpoint` (rule, method, schemas, status, roles); it receives ``actor`` and its
validated ``body``/``query`` and passes the actor explicitly into the engine. The OpenAPI document
picks it up by itself.
"""

from __future__ import annotations

from flask import Flask

from . import views  # noqa: F401 - importing registers the routes on the blueprint
from .errors import ApiError, register_error_handlers
from .routing import API_PREFIX, DatabaseIdConverter, bp, is_public, public
from .throttle import LoginThrottle
from .views.accounts import THROTTLE_KEY

__all__ = ["API_PREFIX", "ApiError", "is_public", "public", "register_api"]


def register_api(app: Flask) -> None:
    """Register the /api/v1 blueprint, its error handlers and authentication."""
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.url_map.converters["id"] = DatabaseIdConverter
    app.extensions.setdefault(THROTTLE_KEY, LoginThrottle(
        max_failures=int(app.config.get("API_LOGIN_MAX_FAILURES", 10)),
        window_seconds=float(app.config.get("API_LOGIN_WINDOW_SECONDS", 300))))
    register_error_handlers(app)
    app.register_blueprint(bp)
