"""A migrated scratch PostgreSQL database for a benchmark run, dropped afterwards (shared by the scripts).

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
