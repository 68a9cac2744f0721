"""Fixtures for the API tests: the real app around a real migrated database, users with tokens,
and the demo procedure deployed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_demo_model import build_model
from api_helpers import PASSWORD


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):  # type: ignore[no-untyped-def]
    """Real argon2, with its cost lowered: the default (64 MiB, 3 passes) makes each user ~0.5 s here."""
    from argon2 import PasswordHasher

    import app.accounts.service as service

    monkeypatch.setattr(service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def app(container):  # type: ignore[no-untyped-def]
    from app.factory import create_app

    flask_app = create_app(container=container)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def make_user(container) -> Callable[..., str]:  # type: ignore[no-untyped-def]
    """Create a user with ``(role, unit)`` pairs and return an API token for them."""

    def make(user_id: str, *roles: tuple[str, str | None], full_name: str = "") -> str:
        container.accounts.create_user(user_id, PASSWORD, list(roles), full_name=full_name or user_id)
        return container.accounts.issue_token(user_id, name="test")

    return make


@pytest.fixture
def deployed(container) -> Any:  # type: ignore[no-untyped-def]
    from engine import SYSTEM

    return container.engine.deploy(build_model(), SYSTEM)
