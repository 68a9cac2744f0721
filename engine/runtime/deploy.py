"""Storing a validated model as a new immutable version, identified by its content hash."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..actors import Actor
from ..audit import append_system
from ..errors import PermissionDenied
from ..models import ProcessModel, ProcessVersion
from .state import dump_spec
from .views import VersionView


@dataclass(frozen=True)
class DeployResult:
    version: VersionView
    created: bool

    def to_dict(self) -> dict[str, Any]:
        return {"created": self.created, **self.version.to_dict()}


def deploy_model(session: Session, model: Any, actor: Actor) -> DeployResult:
    """Store ``model`` (an ``engine.modeling.LoadedModel``) unless the same content is already there."""
    if not actor.has_any("process_owner"):
        raise PermissionDenied("Chỉ chủ quy trình mới được triển khai mô hình",
                               "Only process owners may deploy models")
    existing = session.scalars(select(ProcessVersion).where(
        ProcessVersion.content_hash == model.content_hash)).first()
    if existing is not None:
        pm = session.get(ProcessModel, existing.model_id)
        return DeployResult(VersionView.of(existing, pm.code), created=False)
    settings = dict(model.settings or {})
    pm = session.scalars(select(ProcessModel).where(ProcessModel.code == model.code)).first()
    if pm is None:
        pm = ProcessModel(code=model.code, name_vi=settings.get("name_vi", model.code),
                          name_en=settings.get("name_en", ""))
        session.add(pm)
        session.flush()
    number = (session.scalar(select(func.max(ProcessVersion.number)).where(
        ProcessVersion.model_id == pm.id)) or 0) + 1
    files = {path: content.decode("utf-8", "replace") for path, content in (model.files or {}).items()
             if path.endswith((".bpmn", ".json", ".md", ".dmn"))}
    version = ProcessVersion(
        model_id=pm.id, number=number, content_hash=model.content_hash, process_id=model.process_id,
        spec=dump_spec(model.spec, model.subprocess_specs), forms=model.forms or {}, lanes=model.lanes or {},
        settings=settings, description=model.description or "",
        warnings=[_problem_dict(w) for w in model.warnings or []], files=files, deployed_by=actor.user_id)
    session.add(version)
    session.flush()
    pm.current_version_id = version.id
    append_system(session, "model_deployed", actor.user_id,
                  {"code": pm.code, "version": number, "content_hash": model.content_hash,
                   "warnings": len(version.warnings)})
    pm.name_vi = settings.get("name_vi", pm.name_vi)
    pm.name_en = settings.get("name_en", pm.name_en)
    return DeployResult(VersionView.of(version, pm.code), created=True)


def _problem_dict(problem: Any) -> dict[str, Any]:
    if isinstance(problem, dict):
        return problem
    if hasattr(problem, "to_dict"):
        return problem.to_dict()
    return {k: getattr(problem, k, None) for k in ("file", "line", "element_id", "code", "message_vi", "message_en")}
