"""Plain read models returned by the engine (the API and CLI serialise these)."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from ..models import Case, HumanTask, Incident, ProcessVersion


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    from ..clock import as_utc

    return as_utc(value).isoformat()


@dataclass(frozen=True)
class TaskView:
    id: str
    case_id: int
    bpmn_id: str
    name: str
    lane: str | None
    role: str | None
    unit: str | None
    status: str
    assignee: str | None
    form_key: str | None
    kind: str
    version: int
    created_at: str | None
    form: dict[str, Any] | None = None
    case_code: str | None = None
    case_title: str | None = None

    @classmethod
    def of(cls, row: HumanTask, form: dict | None = None, case: Case | None = None) -> TaskView:
        return cls(row.id, row.case_id, row.bpmn_id, row.name, row.lane, row.role, row.unit, row.status,
                   row.assignee, row.form_key, row.kind, row.lock_version, _iso(row.created_at), form,
                   case.code if case else None, case.title if case else None)

    def to_dict(self) -> dict[str, Any]:
        # Same result as dataclasses.asdict, without its recursive deep copy of every scalar: a case
        # view lists all of the case's tasks, and asdict dominated a step of a case with hundreds.
        out = {name: getattr(self, name) for name in _TASK_FIELDS}
        if self.form is not None:
            out["form"] = deepcopy(self.form)
        return out


_TASK_FIELDS = tuple(f.name for f in fields(TaskView))


@dataclass(frozen=True)
class CaseView:
    id: int
    code: str
    version_id: int
    status: str
    title: str
    started_by: str
    org_unit: str | None
    data: dict[str, Any]
    created_at: str | None
    updated_at: str | None
    completed_at: str | None
    version: int
    tasks: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, case: Case, tasks: list[HumanTask] | None = None,
           incidents: list[Incident] | None = None) -> CaseView:
        return cls(case.id, case.code, case.version_id, case.status, case.title, case.started_by, case.org_unit,
                   case.data, _iso(case.created_at), _iso(case.updated_at), _iso(case.completed_at),
                   case.lock_version, [TaskView.of(t).to_dict() for t in tasks or []],
                   [IncidentView.of(i).to_dict() for i in incidents or []])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class IncidentView:
    id: int
    case_id: int
    task_id: str
    bpmn_id: str
    operator: str | None
    error_code: str
    error: str
    attempts: int
    status: str
    created_at: str | None

    @classmethod
    def of(cls, row: Incident) -> IncidentView:
        return cls(row.id, row.case_id, row.task_id, row.bpmn_id, row.operator, row.error_code, row.error,
                   row.attempts, row.status, _iso(row.created_at))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class VersionView:
    id: int
    code: str
    number: int
    content_hash: str
    process_id: str
    name_vi: str
    name_en: str
    description: str
    warnings: list[dict[str, Any]]
    deployed_at: str | None
    settings: dict[str, Any]

    @classmethod
    def of(cls, v: ProcessVersion, code: str) -> VersionView:
        return cls(v.id, code, v.number, v.content_hash, v.process_id, v.settings.get("name_vi", code),
                   v.settings.get("name_en", ""), v.description, v.warnings, _iso(v.deployed_at), v.settings)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    def to_dict(self) -> dict[str, Any]:
        return {"items": self.items, "total": self.total, "page": self.page, "per_page": self.per_page}
