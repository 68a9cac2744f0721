"""``ProcessEngine``: the one object the application talks to.

Each public method is one transaction (one step): it opens a session, does its work through the
modules beside this one, commits once, and turns a lost optimistic race into ``Conflict``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .. import audit
from ..actors import SYSTEM, Actor
from ..db import transaction
from ..errors import Conflict, NotFound, PermissionDenied
from ..models import AuditEvent, Case, Incident, ProcessModel, ProcessVersion, SystemEvent
from ..services import ServiceRegistry
from . import cases, jobs
from .deploy import DeployResult, deploy_model
from .specs import version_data
from .views import CaseView, IncidentView, Page, TaskView, VersionView

T = TypeVar("T")


class ProcessEngine:
    def __init__(self, session_factory: sessionmaker[Session], registry: ServiceRegistry | None = None,
                 read_factory: sessionmaker[Session] | None = None) -> None:
        self.sessions = session_factory
        self.readers = read_factory or session_factory
        self.registry = registry or ServiceRegistry()

    def _read(self, work: Callable[[Session], T]) -> T:
        """A read-only unit of work (no write lock on SQLite)."""
        with transaction(self.readers) as session:
            return work(session)

    def _tx(self, work: Callable[[Session], T]) -> T:
        try:
            with transaction(self.sessions) as session:
                return work(session)
        except StaleDataError as exc:
            raise Conflict("Hồ sơ vừa được người khác cập nhật, hãy thử lại",
                           "The case was changed by someone else; try again") from exc
        except IntegrityError as exc:
            # A racing step on the same case got there first (e.g. the same audit sequence number).
            raise Conflict("Hồ sơ vừa được người khác cập nhật, hãy thử lại",
                           "The case was changed by someone else; try again") from exc
        except OperationalError as exc:
            if "lock" in str(exc).lower() or "serializ" in str(exc).lower():
                raise Conflict("Hồ sơ đang được xử lý đồng thời, hãy thử lại",
                               "The case is being changed concurrently; try again") from exc
            raise

    # -- models ------------------------------------------------------------------------------
    def deploy(self, model: Any, actor: Actor) -> DeployResult:
        return self._tx(lambda s: deploy_model(s, model, actor))

    def procedures(self) -> list[VersionView]:
        def work(s: Session) -> list[VersionView]:
            rows = s.execute(select(ProcessModel, ProcessVersion).join(
                ProcessVersion, ProcessVersion.id == ProcessModel.current_version_id).order_by(ProcessModel.code))
            return [VersionView.of(v, m.code) for m, v in rows]
        return self._read(work)

    def procedure(self, code: str) -> VersionView:
        return self._read(lambda s: VersionView.of(cases.current_version(s, code), code))

    def version_files(self, version_id: int) -> dict[str, str]:
        def work(s: Session) -> dict[str, str]:
            v = s.get(ProcessVersion, version_id)
            if v is None:
                raise NotFound(f"Không có phiên bản {version_id}", f"No version {version_id}")
            return dict(v.files)
        return self._read(work)

    def form(self, version_id: int, key: str) -> dict[str, Any] | None:
        return self._read(lambda s: version_data(s, version_id).forms.get(key))

    # -- cases and tasks ---------------------------------------------------------------------
    def start(self, code: str, data: dict[str, Any], actor: Actor, org_unit: str | None = None) -> CaseView:
        return self._tx(lambda s: cases.start_case(s, self.registry, code, cases.ensure_data(data), actor, org_unit))

    def case(self, case_id: int, actor: Actor) -> CaseView:
        return self._read(lambda s: cases.view_case(s, cases.load_case(s, case_id, actor)))

    def cases(self, actor: Actor, *, status: str | None = None, code: str | None = None,
              page: int = 1, per_page: int = 50) -> Page:
        def work(s: Session) -> Page:
            q = select(Case)
            if not actor.has_any("auditor"):
                if actor.roles & {"clerk", "leader", "process_owner", "agency"}:
                    q = q.where((Case.started_by == actor.user_id) | Case.org_unit.in_(list(actor.units) or [""])
                                | Case.org_unit.is_(None))
                else:
                    q = q.where(Case.started_by == actor.user_id)
            if status:
                q = q.where(Case.status == status)
            if code:
                q = q.where(Case.code == code)
            total = s.scalar(select(func.count()).select_from(q.subquery()))
            rows = s.scalars(q.order_by(Case.id.desc()).offset((page - 1) * per_page).limit(per_page))
            return Page([CaseView.of(c).to_dict() for c in rows], total or 0, page, per_page)
        return self._read(work)

    def inbox(self, actor: Actor, *, page: int = 1, per_page: int = 50) -> Page:
        def work(s: Session) -> Page:
            q = cases.inbox_query(actor)
            total = s.scalar(select(func.count()).select_from(q.subquery()))
            rows = s.execute(q.order_by(cases.HumanTask.created_at).offset((page - 1) * per_page).limit(per_page))
            return Page([TaskView.of(t, case=c).to_dict() for t, c in rows], total or 0, page, per_page)
        return self._read(work)

    def task(self, task_id: str, actor: Actor) -> TaskView:
        def work(s: Session) -> TaskView:
            task, case, content_hash = cases._load_task_with_version(s, task_id, actor)
            form = version_data(s, case.version_id, content_hash).form(task.form_key, task.bpmn_id)
            return TaskView.of(task, form, case)
        return self._read(work)

    def claim(self, task_id: str, actor: Actor) -> TaskView:
        return self._tx(lambda s: cases.claim(s, task_id, actor))

    def unclaim(self, task_id: str, actor: Actor) -> TaskView:
        return self._tx(lambda s: cases.unclaim(s, task_id, actor))

    def complete(self, task_id: str, data: dict[str, Any], actor: Actor,
                 expected_version: int | None = None) -> CaseView:
        return self._tx(lambda s: cases.complete(s, self.registry, task_id, cases.ensure_data(data), actor,
                                                 expected_version))

    # -- messages, jobs, incidents -----------------------------------------------------------
    def send_message(self, name: str, correlation_key: str, payload: dict[str, Any],
                     ttl: timedelta | None = None, actor: Actor = SYSTEM) -> dict[str, Any]:
        return self._tx(lambda s: jobs.send_message(s, self.registry, name, correlation_key, payload, ttl=ttl,
                                                    actor=actor.user_id))

    def run_due_jobs(self, limit: int = 50) -> int:
        ran = jobs.run_due_jobs(self.sessions, self.registry, limit=limit)
        self._tx(lambda s: jobs.expire_messages(s))
        return ran

    def incidents(self, actor: Actor, status: str = "open") -> list[IncidentView]:
        if not actor.has_any("auditor", "process_owner", "clerk", "leader"):
            raise PermissionDenied("Không có quyền xem sự cố", "Not allowed to see incidents")
        return self._read(lambda s: [IncidentView.of(i) for i in s.scalars(
            select(Incident).where(Incident.status == status).order_by(Incident.id))])

    def retry_incident(self, incident_id: int, actor: Actor) -> dict[str, Any]:
        if not actor.has_any("process_owner", "clerk"):
            raise PermissionDenied("Không có quyền chạy lại", "Not allowed to retry incidents")
        return self._tx(lambda s: jobs.retry_incident(s, self.registry, incident_id, actor))

    # -- audit -------------------------------------------------------------------------------
    def audit_events(self, case_id: int, actor: Actor) -> list[dict[str, Any]]:
        def work(s: Session) -> list[dict[str, Any]]:
            cases.load_case(s, case_id, actor)
            rows = s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq))
            return [{"seq": e.seq, "kind": e.kind, "actor": e.actor, "payload": e.payload,
                     "at": audit.as_utc(e.created_at).isoformat(), "hash": e.hash, "prev_hash": e.prev_hash}
                    for e in rows]
        return self._read(work)

    def verify_audit(self, case_id: int) -> audit.ChainReport:
        def work(s: Session) -> audit.ChainReport:
            try:
                return audit.verify_chain(s, case_id)
            except LookupError:
                raise NotFound(f"Không tìm thấy hồ sơ {case_id}", f"Case {case_id} not found") from None
        return self._read(work)

    def record_system(self, kind: str, payload: dict[str, Any], actor: Actor) -> None:
        """Append an installation-level event (trust store changed...) to the system trail."""
        self._tx(lambda s: audit.append_system(s, kind, actor.user_id, payload))

    def system_events(self, actor: Actor) -> list[dict[str, Any]]:
        if not actor.has_any("auditor"):
            raise PermissionDenied("Chỉ kiểm toán viên xem được nhật ký hệ thống",
                                   "Only auditors may read the system trail")
        return self._read(lambda s: [
            {"seq": e.seq, "kind": e.kind, "actor": e.actor, "payload": e.payload,
             "at": audit.as_utc(e.created_at).isoformat(), "hash": e.hash}
            for e in s.scalars(select(SystemEvent).order_by(SystemEvent.seq))])

    def verify_system_audit(self) -> audit.ChainReport:
        return self._tx(audit.verify_system_chain)

    def record(self, case_id: int, kind: str, payload: dict[str, Any], actor: Actor) -> None:
        """Append an event from outside the engine (a signature, a package sent) to a case's trail."""
        def work(s: Session) -> None:
            case = s.get(Case, case_id)
            if case is None:
                raise NotFound(f"Không tìm thấy hồ sơ {case_id}", f"Case {case_id} not found")
            audit.append(s, case, kind, actor.user_id, payload)
        self._tx(work)
