"""Starting cases and working their user tasks: each function is one step in one transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import TaskState
from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from .. import audit
from ..actors import Actor
from ..clock import utcnow
from ..errors import Conflict, InvalidData, NotFound, PermissionDenied
from ..models import Case, HumanTask, ProcessModel, ProcessVersion
from ..services import ServiceRegistry
from .forms import validate_form
from .specs import version_data
from .stepper import CaseStep
from .views import CaseView, TaskView


def current_version(session: Session, code: str) -> ProcessVersion:
    pm = session.scalars(select(ProcessModel).where(ProcessModel.code == code)).first()
    if pm is None or pm.current_version_id is None:
        raise NotFound(f"Không có quy trình '{code}'", f"No procedure '{code}'", details={"code": code})
    return session.get(ProcessVersion, pm.current_version_id)


_INSERT_CASE = insert(Case.__table__)
_CURRENT_VERSION = (select(ProcessVersion.id, ProcessVersion.number, ProcessVersion.content_hash)
                    .join(ProcessModel, ProcessModel.current_version_id == ProcessVersion.id)
                    .where(ProcessModel.code == bindparam("code")))


def _insert_case(session: Session, values: dict[str, Any]) -> Case:
    """Insert a new case row at once for its id and answer it as a persistent object of the session.

    The row goes in without flushing what the transaction has pending: a caller starting several cases
    in one transaction (received documents) writes their updates and events together at its end. It is
    one Core INSERT with every column given (what the model's defaults would write), and the object is
    built from that row and attached as if loaded: the ORM's ``INSERT .. RETURNING`` into an object
    cost three times as much for the same row and the same persistent object.
    """
    now = utcnow()
    row = {"status": "running", "state": {}, "data": {}, "created_at": now, "updated_at": now,
           "completed_at": None, "audit_seq": 0, "audit_head": "", "lock_version": 1, **values}
    case_id = session.connection().execute(_INSERT_CASE, row).inserted_primary_key[0]
    case = Case(id=case_id, **row)
    make_transient_to_detached(case)  # its attributes count as loaded: later changes are an UPDATE
    session.add(case)
    return case


def start_case(session: Session, registry: ServiceRegistry, code: str, data: dict[str, Any], actor: Actor,
               org_unit: str | None = None, title: str | None = None) -> CaseView:
    """Start a case of the procedure's current version and run it until it waits; what the API answers."""
    return view_after_step(session, start_case_step(session, registry, code, data, actor, org_unit, title))


def start_case_step(session: Session, registry: ServiceRegistry, code: str, data: dict[str, Any], actor: Actor,
                    org_unit: str | None = None, title: str | None = None) -> CaseStep:
    """The same start, answering with the step (its ``case``, its new tasks) instead of a view.

    For callers inside a larger transaction (a received document starts its case, then more is
    written to it): building the view flushes the case row, which those callers would only write
    again; here everything the start changed stays pending until their own flush.
    """
    current = session.connection().execute(_CURRENT_VERSION, {"code": code}).first()  # Core: no autoflush
    if current is None:
        raise NotFound(f"Không có quy trình '{code}'", f"No procedure '{code}'", details={"code": code})
    version = version_data(session, current.id, current.content_hash)
    data = validate_form(version.forms.get("start"), data)
    unit = org_unit or version.settings.get("default_unit") or next(iter(sorted(actor.units)), None)
    case = _insert_case(session, {"version_id": current.id, "code": code, "started_by": actor.user_id,
                                  "org_unit": unit, "title": title or version.settings.get("name_vi", code)})
    workflow = BpmnWorkflow(version.spec, version.subprocess_specs)
    initial = {**data, "case_id": case.id, "started_by": actor.user_id}
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(initial)
    audit.append(session, case, "case_started", actor.user_id,
                 {"code": code, "version": current.number, "content_hash": current.content_hash, "data": data})
    step = CaseStep(session, case, version, registry, actor.user_id, workflow=workflow)
    step.run()
    step.save()
    return step


def view_after_step(session: Session, step: CaseStep) -> CaseView:
    """What a step answers: the case with its open tasks and incidents, built from what the step
    already holds (its own new tasks, the case row) rather than read back."""
    from ..models import Incident

    session.flush()  # the case row's UPDATE sets its new lock_version
    case = step.case
    incidents: list[Incident] = []
    if case.status == "incident":  # open incidents exist exactly while the case is in "incident"
        incidents = list(session.scalars(select(Incident).where(Incident.case_id == case.id,
                                                                Incident.status == "open")
                                         .order_by(Incident.id)))
    return CaseView.of(case, step.open_tasks(), incidents)


def view_case(session: Session, case: Case, *, open_only: bool = False) -> CaseView:
    """The case with its tasks and incidents; ``open_only`` lists only what is still open."""
    from ..models import Incident

    tq = select(HumanTask).where(HumanTask.case_id == case.id)
    iq = select(Incident).where(Incident.case_id == case.id)
    if open_only:
        tq = tq.where(HumanTask.status.in_(("ready", "claimed")))
        iq = iq.where(Incident.status == "open")
    tasks = session.scalars(tq.order_by(HumanTask.created_at)).all()
    incidents = session.scalars(iq.order_by(Incident.id)).all()
    return CaseView.of(case, list(tasks), list(incidents))


def can_see_case(actor: Actor, case: Case) -> bool:
    if actor.has_any("auditor") or case.started_by == actor.user_id:
        return True
    if actor.roles & {"clerk", "leader", "process_owner", "agency"}:
        return case.org_unit is None or case.org_unit in actor.units or bool(actor.units & {"*"})
    return False


def lock_case(session: Session, case_id: int) -> Case:
    """Load a case for a step, holding its row lock until the transaction ends (PostgreSQL);
    on SQLite the step's ``BEGIN IMMEDIATE`` already serialises writers."""
    case = session.get(Case, case_id, with_for_update=True, populate_existing=True)
    if case is None:
        raise NotFound(f"Không tìm thấy hồ sơ {case_id}", f"Case {case_id} not found")
    return case


def load_case(session: Session, case_id: int, actor: Actor) -> Case:
    case = session.get(Case, case_id)
    if case is None or not can_see_case(actor, case):
        raise NotFound(f"Không tìm thấy hồ sơ {case_id}", f"Case {case_id} not found")
    return case


def can_work(actor: Actor, task: HumanTask, case: Case) -> bool:
    if actor.is_admin:
        return True
    if task.role == "applicant":
        return case.started_by == actor.user_id
    if task.role is not None and task.role not in actor.roles:
        return False
    return task.unit is None or task.unit in actor.units


_TASK_CASE_VERSION = (select(HumanTask, Case, ProcessVersion.content_hash)
                      .join(Case, Case.id == HumanTask.case_id)
                      .join(ProcessVersion, ProcessVersion.id == Case.version_id)
                      .where(HumanTask.id == bindparam("task_id")))
# PostgreSQL locks the task's and the case's rows and, when a racing step committed first, returns
# the rows as that step left them (so the loser sees a completed task); SQLite ignores FOR UPDATE.
_TASK_CASE_VERSION_LOCKED = _TASK_CASE_VERSION.with_for_update(of=[HumanTask.__table__, Case.__table__])


def _load_task_with_version(session: Session, task_id: str, actor: Actor, *,
                            lock: bool = False) -> tuple[HumanTask, Case, str]:
    """The task, its case and the content hash of the case's version in one query; with ``lock``
    both rows stay locked for the step (PostgreSQL)."""
    query = _TASK_CASE_VERSION_LOCKED if lock else _TASK_CASE_VERSION
    row = session.execute(query, {"task_id": task_id},
                          execution_options={"populate_existing": True} if lock else {}).first()
    if row is None:
        raise NotFound(f"Không tìm thấy công việc {task_id}", f"Task {task_id} not found")
    task, case, content_hash = row
    if not can_work(actor, task, case):
        raise PermissionDenied("Bạn không được giao công việc này", "This task is not offered to you",
                               details={"task": task_id, "role": task.role, "unit": task.unit})
    return task, case, content_hash


def _load_task(session: Session, task_id: str, actor: Actor, *, lock: bool = False) -> tuple[HumanTask, Case]:
    """The task and its case; with ``lock`` both rows are locked for the step (PostgreSQL)."""
    task, case, _ = _load_task_with_version(session, task_id, actor, lock=lock)
    return task, case


def claim(session: Session, task_id: str, actor: Actor) -> TaskView:
    task, case = _load_task(session, task_id, actor, lock=True)
    if task.status not in ("ready", "claimed"):
        raise Conflict("Công việc đã được xử lý", "Task is no longer open", details={"status": task.status})
    if task.assignee and task.assignee != actor.user_id and task.status == "claimed":
        raise Conflict(f"Công việc đã được {task.assignee} nhận", f"Task already claimed by {task.assignee}",
                       details={"assignee": task.assignee})
    task.status, task.assignee = "claimed", actor.user_id
    audit.append(session, case, "task_claimed", actor.user_id, {"task": task.bpmn_id, "task_id": task.id})
    session.flush()
    return TaskView.of(task)


def unclaim(session: Session, task_id: str, actor: Actor) -> TaskView:
    task, case = _load_task(session, task_id, actor, lock=True)
    if task.status != "claimed" or (task.assignee != actor.user_id and not actor.is_admin):
        raise Conflict("Bạn chưa nhận công việc này", "You have not claimed this task")
    task.status = "ready"
    task.assignee = case.started_by if task.role == "applicant" else None
    audit.append(session, case, "task_unclaimed", actor.user_id, {"task": task.bpmn_id, "task_id": task.id})
    session.flush()
    return TaskView.of(task)


def complete(session: Session, registry: ServiceRegistry, task_id: str, data: dict[str, Any], actor: Actor,
             expected_version: int | None = None) -> CaseView:
    """Complete a user task with form data; the case then runs until it waits again."""
    task, case, content_hash = _load_task_with_version(session, task_id, actor, lock=True)
    if task.status not in ("ready", "claimed"):
        raise Conflict("Công việc đã được hoàn thành hoặc huỷ", "Task was already completed or cancelled",
                       details={"status": task.status})
    if task.status == "claimed" and task.assignee not in (None, actor.user_id) and task.role != "applicant":
        raise Conflict(f"Công việc đang do {task.assignee} xử lý", f"Task is claimed by {task.assignee}",
                       details={"assignee": task.assignee})
    if expected_version is not None and expected_version != task.lock_version:
        raise Conflict("Công việc đã thay đổi, hãy tải lại", "Task changed since you loaded it")
    version = version_data(session, case.version_id, content_hash)
    data = validate_form(version.form(task.form_key, task.bpmn_id), data)
    step = CaseStep(session, case, version, registry, actor.user_id)
    spiff_task = step.workflow.get_task_from_id(UUID(task.id))
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise Conflict("Công việc không còn chờ xử lý", "Task is no longer waiting")
    spiff_task.data.update(data)
    spiff_task.run()
    step.settled.add(task.id)
    task.status, task.completed_at, task.completed_by = "completed", utcnow(), actor.user_id
    task.assignee = actor.user_id
    audit.append(session, case, "task_completed", actor.user_id,
                 {"task": task.bpmn_id, "task_id": task.id, "name": task.name, "data": data})
    step.run()
    step.save()
    return view_after_step(session, step)


def inbox_query(actor: Actor, statuses: tuple[str, ...] = ("ready", "claimed")):  # type: ignore[no-untyped-def]
    from sqlalchemy import and_, or_

    q = select(HumanTask, Case).join(Case, Case.id == HumanTask.case_id).where(HumanTask.status.in_(statuses))
    if actor.is_admin:
        return q
    staff_roles = [r for r in actor.roles if r != "applicant"]
    conds = [and_(HumanTask.role == "applicant", Case.started_by == actor.user_id)]
    if staff_roles:
        unit_ok = or_(HumanTask.unit.is_(None), HumanTask.unit.in_(list(actor.units) or [""]))
        conds.append(and_(HumanTask.role.in_(staff_roles), unit_ok,
                          or_(HumanTask.assignee.is_(None), HumanTask.assignee == actor.user_id)))
    return q.where(or_(*conds))


def ensure_data(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidData("Dữ liệu phải là một đối tượng JSON", "Data must be a JSON object")
    return value
