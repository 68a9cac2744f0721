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
    app.config["SECRET_KEY"] = container.settings.secret_key or installation_secret(container.settings.data_dir)
    app.config["MAX_CONTENT_LENGTH"] = container.settings.max_upload_bytes
    app.config["JSON_SORT_KEYS"] = False
    app.json.ensure_ascii = False  # Vietnamese stays readable in JSON responses
    app.extensions["quytrinh"] = container

    from .api import register_api
    from .web import register_web

    register_api(app)
    register_web(app)
    return app


def container_of(app: Flask) -> Container:
    return app.extensions["quytrinh"]


def installation_secret(data_dir: str) -> str:
    """The session key when none is configured: made once and kept (mode 0600) in the data folder,
    so every web worker of the installation signs cookies with the same key."""
    import os
    import secrets
    from pathlib import Path

    path = Path(data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker made it first
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
    return path.read_text().strip()
