"""Settings: environment variables prefixed ``QUYTRINH_`` or a JSON settings file, validated at start-up.

A bad value stops the program with one clear line naming the setting and what is wrong, instead
of failing later inside a request.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a bad value; the message names it (Vietnamese / English)."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///quytrinh.db"
    secret_key: str = ""
    processes_dir: str = str(REPO_ROOT / "processes")
    data_dir: str = "var"
    host: str = "127.0.0.1"
    port: int = 8000
    admin_password: str = ""
    max_upload_bytes: int = 20 * 1024 * 1024
    worker_interval: float = 1.0
    agency_code: str = "000.00.00.H10"
    agency_name: str = "Trường Đại học Cần Thơ"
    axis_endpoint: str = ""
    axis_system_id: str = ""
    axis_secret: str = ""
    trust_dir: str = ""
    log_level: str = "INFO"
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> Settings:
        if not self.database_url.startswith(("sqlite:", "postgresql")):
            raise SettingsError("QUYTRINH_DATABASE_URL phải là sqlite:/// hoặc postgresql+psycopg:// / "
                                f"must be sqlite or postgresql, got {self.database_url!r}")
        if not (0 < self.port < 65536):
            raise SettingsError(f"QUYTRINH_PORT phải trong 1..65535 / must be 1..65535, got {self.port}")
        if self.max_upload_bytes <= 0:
            raise SettingsError("QUYTRINH_MAX_UPLOAD_BYTES phải dương / must be positive")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise SettingsError(f"QUYTRINH_LOG_LEVEL không hợp lệ / invalid: {self.log_level!r}")
        if not Path(self.processes_dir).is_dir():
            raise SettingsError(f"QUYTRINH_PROCESSES_DIR không tồn tại / does not exist: {self.processes_dir}")
        return self

    @property
    def trust_path(self) -> str:
        return self.trust_dir or str(Path(self.data_dir) / "trust")


def _coerce(name: str, raw: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return str(raw).lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, dict):
            return raw if isinstance(raw, dict) else json.loads(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"QUYTRINH_{name.upper()}: giá trị không hợp lệ / invalid value {raw!r}") from exc
    return str(raw)


def load_settings(env: dict[str, str] | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Defaults, then the settings file (``QUYTRINH_SETTINGS_FILE``), then ``QUYTRINH_*``, then overrides."""
    env = dict(os.environ if env is None else env)
    base = Settings()
    values: dict[str, Any] = {}
    known = {f.name: f for f in fields(Settings)}
    path = env.get("QUYTRINH_SETTINGS_FILE")
    if path:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SettingsError(f"Không đọc được tệp cấu hình / cannot read settings file {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise SettingsError(f"Tệp cấu hình phải là đối tượng JSON / settings file must hold an object: {path}")
        for key, value in data.items():
            if key not in known:
                raise SettingsError(f"Thiết lập không biết / unknown setting {key!r} in {path}")
            values[key] = _coerce(key, value, getattr(base, key))
    for key, value in env.items():
        if key.startswith("QUYTRINH_") and key not in ("QUYTRINH_SETTINGS_FILE", "QUYTRINH_TEST_DATABASE_URL"):
            name = key[len("QUYTRINH_"):].lower()
            if name in known:
                values[name] = _coerce(name, value, getattr(base, name))
    values.update(overrides or {})
    return replace(base, **values).validate()
