"""PostgreSQL for benchmark runs: is the server there, and a migrated scratch database dropped afterwards.

Not ``benchmarks/engine.py``'s own module: that name is the project's ``engine`` package when imported.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def scratch_postgresql(admin_url: str, prefix: str = "qt_bench", *, migrate: bool = True) -> Iterator[str]:
    """Create ``<prefix>_<random>`` on the server of ``admin_url``, migrate it (unless told not to), yield its
    URL, drop it (FORCE)."""
    from sqlalchemy import create_engine, text

    from app.migrate import upgrade
    from engine import make_engine

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    try:
        if migrate:
            eng = make_engine(url)
            upgrade(eng)
            eng.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pg_unreachable(url: str) -> str | None:
    """Why PostgreSQL at ``url`` cannot be used (first line of the error), or ``None`` when it answers."""
    from sqlalchemy import create_engine, text

    try:
        eng = create_engine(url, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - reported, then skipped
        return str(exc).splitlines()[0]
