"""In-memory cache of deserialised process specs, one entry per deployed version.

Specs are immutable once deployed, so the cache never needs invalidating; restoring a spec costs
far more than restoring a case's state, which is why it is done once per process, not per step.
"""

from __future__ import annotations

import threading

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from sqlalchemy.orm import Session, defer

from ..errors import NotFound
from ..models import ProcessVersion
from .state import load_spec

_lock = threading.Lock()
_cache: dict[str, tuple[BpmnProcessSpec, dict]] = {}


def spec_for(session: Session, version_id: int) -> tuple[BpmnProcessSpec, dict, ProcessVersion]:
    # The spec and file columns are the big JSON documents of a version; a step needs neither once
    # the spec is cached, so they are loaded only on a cache miss (or when someone reads them).
    version = session.get(ProcessVersion, version_id, options=[defer(ProcessVersion.spec),
                                                               defer(ProcessVersion.files)])
    if version is None:
        raise NotFound(f"Không tìm thấy phiên bản quy trình {version_id}",
                       f"Process version {version_id} not found")
    key = version.content_hash
    cached = _cache.get(key)
    if cached is None:
        cached = load_spec(version.spec)
        with _lock:
            _cache[key] = cached
    return cached[0], cached[1], version
