"""First-run set-up: migrate, create the admin, load the procedures and the demo accounts."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine import SYSTEM, Actor

from .container import Container
from .migrate import current_heads, upgrade

DEMO_PASSWORD = "demo-quytrinh"

# (login, full name, roles as (role, unit)) — one account per role so every page can be tried.
DEMO_USERS: list[tuple[str, str, list[tuple[str, str | None]]]] = [
    ("chuquytrinh", "Nguyễn Văn Quy (chủ quy trình)", [("process_owner", None)]),
    ("sinhvien", "Trần Thị Lan (sinh viên)", [("applicant", None)]),
    ("chuyenvien.pdt", "Lê Minh Tâm (chuyên viên Phòng Đào tạo)", [("clerk", "PDT")]),
    ("lanhdao", "Phạm Quốc Hùng (Phó Hiệu trưởng)", [("leader", "BGH")]),
    ("truongphong.pdt", "Nguyễn Hoàng Phúc (Trưởng phòng Đào tạo)", [("leader", "PDT")]),
    ("ketoan", "Huỳnh Thị Mai (kế toán, Phòng Kế hoạch - Tài chính)", [("clerk", "PKHTC")]),
    ("vanthu", "Võ Thị Hạnh (văn thư)", [("clerk", "PHCTH")]),
    ("kiemtoan", "Đỗ Văn Kiểm (kiểm toán nội bộ)", [("auditor", None)]),
    ("coquan.ngoai", "Cơ quan ngoài (trục liên thông)", [("agency", None)]),
]


@dataclass
class InitResult:
    created_database: bool
    admin_password: str | None
    deployed: list[str]
    demo_users: list[str]


def init_database(container: Container) -> tuple[bool, str | None]:
    """Apply migrations; on a new database create ``admin`` and return its password if generated."""
    fresh = not current_heads(container.db)
    upgrade(container.db)
    password = None
    if not container.accounts.exists("admin"):
        password = container.settings.admin_password or secrets.token_urlsafe(12)
        container.accounts.create_user("admin", password, [("admin", None)], full_name="Quản trị hệ thống")
        if container.settings.admin_password:
            password = None  # the operator chose it; do not print it back
    return fresh, password


def load_units(container: Container) -> None:
    path = Path(container.settings.processes_dir) / "units.json"
    if path.is_file():
        units = json.loads(path.read_text(encoding="utf-8"))
        for unit in units if isinstance(units, list) else units.get("units", []):
            container.accounts.ensure_unit(unit["code"], unit.get("name_vi", unit["code"]), unit.get("name_en", ""))


def deploy_folder(container: Container, folder: Path, actor: Actor = SYSTEM,
                  progress: Callable[[str], None] | None = None,
                  only: str | None = None) -> list[tuple[str, bool, list]]:
    """Deploy every procedure package under ``folder`` (each sub-folder with a settings.json)."""
    from engine.modeling import load_model, read_package

    results = []
    subs = sorted(p for p in folder.iterdir() if (p / "settings.json").is_file())
    for sub in [p for p in subs if only is None or p.name == only]:
        model = load_model(read_package(sub), known_operators=container.registry.names())
        outcome = container.engine.deploy(model, actor)
        results.append((outcome.version.code, outcome.created, outcome.version.warnings))
        if progress:
            progress(sub.name)
    return results


def create_demo_users(container: Container) -> list[str]:
    made = []
    for login, name, roles in DEMO_USERS:
        if not container.accounts.exists(login):
            container.accounts.create_user(login, DEMO_PASSWORD, roles, full_name=name)
            made.append(login)
    return made
