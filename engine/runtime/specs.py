"""In-memory cache of what a step needs from a deployed version, keyed by its content hash.

A version is immutable once deployed and is identified by the SHA-256 of its content, so the
deserialised spec, its forms, lane mapping and settings never need invalidating. Restoring a spec
costs far more than restoring a case's state, and loading the version row (four JSON documents)
on every step cost a statement plus JSON parsing: with the hash in hand (the step's own query joins
it in), a step reads nothing about its version from the database after the first time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import ProcessVersion
from .state import load_spec


@dataclass(frozen=True)
class VersionData:
    """The immutable parts of a version a step uses. Shared between threads: never mutate."""

    content_hash: str
    spec: BpmnProcessSpec
    subprocess_specs: dict
    forms: dict[str, Any]
    lanes: dict[str, Any]
    settings: dict[str, Any]

    def form(self, *keys: str | None) -> dict[str, Any] | None:
        """The first form found under ``keys`` (a task's form key, then its BPMN id)."""
        for key in keys:
            if key and key in self.forms:
                return self.forms[key]
        return None


_lock = threading.Lock()
_cache: dict[str, VersionData] = {}

def version_data(session: Session, version_id: int, content_hash: str | None = None) -> VersionData:
    """The cached data of version ``version_id``; pass ``content_hash`` when the caller's query
    already read it, and no statement runs at all on a cache hit."""
    if content_hash is None:
        content_hash = session.scalar(select(ProcessVersion.content_hash).where(ProcessVersion.id == version_id))
        if content_hash is None:
            raise NotFound(f"Không tìm thấy phiên bản quy trình {version_id}",
                           f"Process version {version_id} not found")
    cached = _cache.get(content_hash)
    if cached is not None:
        return cached
    row = session.execute(select(ProcessVersion.spec, ProcessVersion.forms, ProcessVersion.lanes,
                                 ProcessVersion.settings).where(ProcessVersion.content_hash == content_hash)).first()
    if row is None:
        raise NotFound(f"Không tìm thấy phiên bản quy trình {version_id}",
                       f"Process version {version_id} not found")
    spec, subs = load_spec(row.spec)
    data = VersionData(content_hash, spec, subs, row.forms or {}, row.lanes or {}, row.settings or {})
    with _lock:
        return _cache.setdefault(content_hash, data)


def spec_for(session: Session, version_id: int) -> tuple[BpmnProcessSpec, dict, VersionData]:
    """Spec, subprocess specs and version data (kept for callers of the older three-value form)."""
    data = version_data(session, version_id)
    return data.spec, data.subprocess_specs, data
