"""An installation with all 99 procedures deployed and the demo units, users and keys, for module fixtures."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PROCESSES = Path(__file__).resolve().parents[1] / "processes"


def procedures_world(template_db: str, tmp: Path) -> Iterator[tuple[Any, Any]]:
    """``(container, autopilot)`` on the PostgreSQL test database, or on a copy of the migrated SQLite
    template in ``tmp``; disposed when the generator is closed."""
    from app.autopilot import Autopilot
    from app.bootstrap import create_demo_users, deploy_folder, load_units
    from app.config import load_settings
    from app.container import Container
    from app.keystore import create_demo_keys

    if os.environ.get("QUYTRINH_TEST_DATABASE_URL", "").startswith("postgresql"):
        url = template_db
    else:
        shutil.copy(template_db, tmp / "q.db")
        url = f"sqlite:///{tmp / 'q.db'}"
    c = Container(load_settings(env={}, overrides={"database_url": url, "data_dir": str(tmp / "var")}))
    load_units(c)
    create_demo_users(c)
    create_demo_keys(c)
    deploy_folder(c, PROCESSES)
    yield c, Autopilot(c)
    c.dispose()
