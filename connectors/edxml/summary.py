"""A package as plain JSON-able data (for the CLI, the API and logs): fields, and attachments as
name/type/size/SHA-256 rather than their bytes."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date, datetime
from enum import Enum
from typing import Any

from .model import Attachment, DocumentPackage, Package


def _plain(value: Any) -> Any:
    if isinstance(value, Attachment):
        return {"name": value.name, "content_type": value.content_type, "size": len(value.data),
                "sha256": hashlib.sha256(value.data).hexdigest(), "content_id": value.content_id,
                "description": value.description}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name.rstrip("_"): _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name not in ("findings", "signature")}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def package_summary(package: Package) -> dict[str, Any]:
    summary = {"kind": package.kind, **_plain(package)}
    summary["envelope_signature"] = dataclasses.asdict(package.signature)
    summary["findings"] = [f.to_dict() for f in package.findings]
    if isinstance(package, DocumentPackage):
        summary["attachments"] = [_plain(a) for a in package.attachments]
    return summary
