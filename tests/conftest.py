"""Shared fixtures: a real, migrated database per test (SQLite by default, PostgreSQL when
``QUYTRINH_TEST_DATABASE_URL`` points at one), and the composed application around it."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("QUYTRINH_TEST_DATABASE_URL", "")
SHARED = Path(__file__).resolve().parents[2] / "shared"


def on_postgres() -> bool:
    return PG_URL.startswith("postgresql")


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    if not on_postgres():
        skip = pytest.mark.skip(reason="needs PostgreSQL (QUYTRINH_TEST_DATABASE_URL)")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory, worker_id) -> str:  # type: ignore[no-untyped-def]
    """Migrate once per test process; each test starts from a copy (SQLite) or truncation (PostgreSQL)."""
    from app.migrate import upgrade
    from engine.db import make_engine

    if on_postgres():
        base = PG_URL.rsplit("/", 1)[0]
        name = f"qt_test_{worker_id}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = f"{base}/{name}"
        eng = make_engine(url)
        upgrade(eng)
        eng.dispose()
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    eng.dispose()
    yield str(path)


@pytest.fixture
def db_url(_template_db: str, tmp_path: Path) -> str:
    if on_postgres():
        from app.schema import metadata

        eng = create_engine(_template_db)
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with eng.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        eng.dispose()
        return _template_db
    target = tmp_path / "quytrinh.db"
    shutil.copy(_template_db, target)
    return f"sqlite:///{target}"


@pytest.fixture
def container(db_url: str, tmp_path: Path) -> Iterator[object]:
    from app.config import load_settings
    from app.container import Container

    c = Container(load_settings(env={}, overrides={"database_url": db_url, "data_dir": str(tmp_path / "var")}))
    yield c
    c.dispose()


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    from engine import clock

    clock.reset()
    yield
    clock.reset()
