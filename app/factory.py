"""Flask application factory (``create_app``), in the style of Flask's tutorial."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .config import load_settings
from .container import Container


def create_app(test_config: dict[str, Any] | None = None, container: Container | None = None) -> Flask:
    """Build the web application around a container (settings, database, engine, accounts)."""
    if container is None:
        container = Container(load_settings(overrides=test_config))
    app = Flask(__name__)
    app.config["SECRET_KEY"] = container.settings.secret_key or _ephemeral_secret()
    app.config["MAX_CONTENT_LENGTH"] = container.settings.max_upload_bytes
    app.config["JSON_SORT_KEYS"] = False
    app.json.ensure_ascii = False  # Vietnamese stays readable in JSON responses
    app.extensions["quytrinh"] = container

    from .api import register_api

    register_api(app)
    return app


def container_of(app: Flask) -> Container:
    return app.extensions["quytrinh"]


def _ephemeral_secret() -> str:
    import secrets

    return secrets.token_hex(32)
