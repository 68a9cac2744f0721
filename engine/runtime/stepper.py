"""One step of one case: restore its workflow, advance it, and write back everything it changed.

A step runs inside the caller's transaction. It restores the SpiffWorkflow state (spec from the
cache), lets the caller act on it (complete a task, fire a timer, deliver a message, retry a
failed service task), runs the engine until the case waits, then brings the projections up to date:
the inbox (human tasks), the timer jobs, waiting messages, incidents and the audit trail. The
case row carries a version counter, so two steps racing on one case cannot both commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task, TaskState
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..clock import utcnow
from ..errors import EngineError, ScriptBlocked
from ..models import Case, CaseDocument, Document, HumanTask, InboxMessage, Incident, Job
from ..services import OperatorError, ServiceRegistry
from . import spiff_logging  # noqa: F401 - installs the quiet Task._set_state (see that module)
from .deferred import insert_rows
from .history import prune_into_history
from .outputs import enqueue, store_document
from .specs import VersionData
from .state import dump_state, load_state

_INBOX = InboxMessage.__table__
_ANY_PENDING_MESSAGE = (select(_INBOX.c.id)
                        .where(_INBOX.c.status == "pending", _INBOX.c.name.in_(bindparam("names", expanding=True)),
                               _INBOX.c.correlation_key.in_(bindparam("keys", expanding=True)))
                        .limit(1))
#: The same look-up with one bound parameter per name and key, by their counts: an expanding IN is
#: rendered again at every execution (~40 us of a start's ~100 us statement), these are compiled once.
_PENDING_MESSAGE_BY_SIZE: dict[tuple[int, int], Any] = {}
_FIXED_IN_MAX = 8
_LIVE = TaskState.READY | TaskState.WAITING | TaskState.ERROR
MAX_TREE_DEPTH = 900  # SpiffWorkflow stops seeing tasks deeper than 1,000 in its tree
OPEN_TASK_STATUSES = ("ready", "claimed")
# The Core statements every step may run, built once (a statement memoises its cache key).
_TASKS = HumanTask.__table__
_INSERT_TASKS = insert(_TASKS)
_CANCEL_TASKS = (update(_TASKS).where(_TASKS.c.id.in_(bindparam("ids", expanding=True)),
                                      _TASKS.c.status.in_(OPEN_TASK_STATUSES))
                 .values(status="cancelled", lock_version=_TASKS.c.lock_version + 1))
_INSERT_JOBS = insert(Job.__table__)


def make_script_engine(service_caller: Callable[[str, dict, dict], Any] | None):  # type: ignore[no-untyped-def]
    from ..scripting import SafeScriptEngine

    return SafeScriptEngine(service_caller=service_caller)


@dataclass
class StepContext:
    """What a service operator sees while it runs (implements services.OperatorContext)."""

    session: Session
    case: Case
    actor: str
    task_bpmn_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def case_id(self) -> int:
        return self.case.id

    def put_document(self, content: bytes, name: str, media_type: str, role: str = "result") -> str:
        return store_document(self.session, self.case.id, content, name, media_type, role)

    def get_document(self, sha256: str) -> bytes:
        doc = self.session.get(Document, sha256)
        if doc is None:
            raise OperatorError(f"Không có tài liệu {sha256}", f"No document {sha256}", retryable=False)
        return doc.content

    def documents(self) -> list[dict[str, Any]]:
        rows = self.session.execute(select(CaseDocument).where(CaseDocument.case_id == self.case.id)
                                    .order_by(CaseDocument.id)).scalars()
        return [{"sha256": r.sha256, "name": r.name, "role": r.role} for r in rows]

    def audit(self, kind: str, payload: dict[str, Any]) -> None:
        audit.append(self.session, self.case, kind, self.actor, payload)

    def enqueue(self, channel: str, kind: str, payload: dict[str, Any], body: bytes | None = None) -> int:
        return enqueue(self.session, self.case, self.actor, channel, kind, payload, body)


class ServiceFailure(Exception):
    """Raised through SpiffWorkflow when an operator fails, so the step can record an incident."""

    def __init__(self, operator: str, code: str, message_vi: str, message_en: str, retryable: bool) -> None:
        super().__init__(message_en)
        self.operator, self.code = operator, code
        self.message_vi, self.message_en, self.retryable = message_vi, message_en, retryable


class CaseStep:
    """Restore → act → run → project → save, for one case inside one transaction."""

    def __init__(self, session: Session, case: Case, version: VersionData, registry: ServiceRegistry, actor: str,
                 *, workflow: BpmnWorkflow | None = None):
        self.session = session
        self.case = case
        self.registry = registry
        self.lanes = version.lanes
        self.actor = actor
        self.ctx = StepContext(session, case, actor)
        engine = make_script_engine(self._call_service)
        new_workflow = workflow is not None
        if workflow is None:
            workflow = load_state(case.state, version.spec, version.subprocess_specs)
        workflow.script_engine = engine
        self.workflow = workflow
        self._current: Task | None = None
        # What the last save left in the database, so save() skips the statements that cannot change
        # anything: pending timer/receive jobs exist only if the restored state waited on an event,
        # open incidents only if the case was in "incident" or this step records one, and the open
        # human tasks are exactly the READY manual tasks of the restored state (save() keeps it so).
        # A workflow handed in is a new one (a start): nothing of it was saved, so no walk of its tree.
        live = [] if new_workflow else workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
        self._had_catches = bool(_catches(live))
        self._status_before = case.status
        self._recorded_incident = False
        self._ready_before = set(_ready_manual(live))
        #: human tasks this step closed itself (a completed task): the sync leaves their rows alone
        self.settled: set[str] = set()
        #: rows of the human tasks save() inserted (objects only when open_tasks() asks: a received
        #: document's start never does, and building ORM objects cost as much as the INSERT)
        self._new_task_rows: list[dict[str, Any]] = []
        self._new_tasks: list[HumanTask] | None = None
        self._kept_tasks: list[str] = []
        #: the live tasks as run() left them, when it already walked the tree for them (save() reuses it)
        self._live_after_run: list[Task] | None = None

    # -- service tasks -----------------------------------------------------------------------
    def _call_service(self, operation_name: str, params: dict, task_data: dict) -> Any:
        operator = self.registry.get(operation_name)
        values = {k: (v.get("value") if isinstance(v, dict) and "value" in v else v) for k, v in params.items()}
        self.ctx.task_bpmn_id = self._current.task_spec.bpmn_id if self._current else ""
        self.ctx.data = task_data
        try:
            result = operator(values, self.ctx)
        except OperatorError as exc:
            raise ServiceFailure(operation_name, exc.code, exc.message_vi, exc.message_en, exc.retryable) from exc
        except EngineError as exc:
            raise ServiceFailure(operation_name, exc.code, exc.message_vi, exc.message_en, False) from exc
        except Exception as exc:  # an operator bug is an incident, never a crashed worker
            raise ServiceFailure(operation_name, "operator_crashed", f"Dịch vụ {operation_name} lỗi: {exc}",
                                 f"Operator {operation_name} failed: {exc!r}", True) from exc
        audit.append(self.session, self.case, "service_called", self.actor,
                     {"operator": operation_name, "task": self.ctx.task_bpmn_id, "params": _jsonable(values),
                      "result": _jsonable(result)})
        return _jsonable(result)

    # -- running -----------------------------------------------------------------------------
    def run(self) -> None:
        """Run engine tasks until the case waits; failures become incidents, not exceptions."""
        def will(task: Task) -> None:
            self._current = task

        self._live_after_run = None
        try:
            self.workflow.do_engine_steps(will_complete_task=will)
            self._deliver_waiting_messages()
        except Exception as exc:  # noqa: BLE001 - recorded as an incident below
            self._live_after_run = None
            self._record_failure(exc)

    def _record_failure(self, exc: Exception) -> None:
        self._recorded_incident = True
        failed = self.workflow.get_tasks(state=TaskState.ERROR)
        task = failed[0] if failed else self._current
        bpmn_id = task.task_spec.bpmn_id if task is not None else "?"
        cause = _root_cause(exc)
        if isinstance(cause, ServiceFailure):
            code, msg_vi, msg_en, operator = cause.code, cause.message_vi, cause.message_en, cause.operator
            retryable = cause.retryable
        elif isinstance(cause, ScriptBlocked):
            code, msg_vi, msg_en, operator, retryable = cause.code, cause.message_vi, cause.message_en, None, False
        else:
            code, msg_vi, msg_en, operator, retryable = ("task_failed", f"Lỗi khi chạy bước {bpmn_id}: {cause}",
                                                         f"Step {bpmn_id} failed: {cause!r}", None, False)
        task_id = str(task.id) if task is not None else ""
        incident = self.session.scalars(select(Incident).where(
            Incident.case_id == self.case.id, Incident.task_id == task_id, Incident.status == "open")).first()
        if incident is None:
            incident = Incident(case_id=self.case.id, task_id=task_id, bpmn_id=bpmn_id, operator=operator,
                                error_code=code, error=f"{msg_vi} / {msg_en}", attempts=1)
            self.session.add(incident)
        else:
            incident.attempts += 1
            incident.error = f"{msg_vi} / {msg_en}"
        self.session.flush()
        audit.append(self.session, self.case, "script_blocked" if code == "script_blocked" else "incident",
                     self.actor, {"incident": incident.id, "task": bpmn_id, "code": code, "error": msg_en})
        spec = task.task_spec if task is not None else None
        retries = getattr(spec, "retries", None) or 0
        if retryable and incident.attempts <= retries:
            base = getattr(spec, "retry_backoff_base", None) or 2
            delay = timedelta(seconds=base ** incident.attempts)
            self.session.add(Job(case_id=self.case.id, kind="retry", task_id=task_id, due_at=utcnow() + delay))

    def retry_failed(self) -> int:
        """Put failed tasks back to READY so the next run() executes them again."""
        failed = self.workflow.get_tasks(state=TaskState.ERROR)
        for task in failed:
            task._set_state(TaskState.READY)
        return len(failed)

    # -- timers and messages -----------------------------------------------------------------
    def waiting_catches(self) -> list[Task]:
        return _catches(self.workflow.get_tasks(state=TaskState.WAITING))

    def fire_timers(self, now: datetime) -> int:
        """Mark every timer whose due time (by the engine's clock) has passed as expired, then refresh."""
        fired = 0
        for task in self.waiting_catches():
            definition = task.task_spec.event_definition
            if not isinstance(definition, TimerEventDefinition):
                continue
            due = _timer_due(task)
            if due is not None and due <= now:
                value = task.internal_data.get("event_value")
                past = "1970-01-01T00:00:00+00:00"
                if isinstance(value, dict):
                    value["next"] = past
                else:
                    task.internal_data["event_value"] = past
                audit.append(self.session, self.case, "timer_fired", self.actor,
                             {"task": task.task_spec.bpmn_id, "due": due.isoformat()})
                fired += 1
        if fired:
            self.workflow.refresh_waiting_tasks()
        return fired

    def _deliver_waiting_messages(self) -> None:
        """Hand each waiting message receiver the oldest matching message from the durable inbox."""
        if not _receives_messages(self.workflow):
            return
        for _ in range(100):  # a delivery can lead to another wait; bounded
            # one walk of the tree serves this look and, when nothing is delivered, save()
            self._live_after_run = live = self.workflow.get_tasks(state=_LIVE)
            receivers = [t for t in _catches(live) if isinstance(t.task_spec.event_definition, MessageEventDefinition)]
            if not receivers:
                return
            keys = {str(self.case.id)} | _correlation_values(self.workflow.correlations)
            if not self._may_have_message({t.task_spec.event_definition.name for t in receivers}, keys):
                return
            self._live_after_run = None  # a delivery below changes the tree
            delivered = False
            for task in receivers:
                definition = task.task_spec.event_definition
                msg = self.session.scalars(
                    select(InboxMessage).where(InboxMessage.status == "pending",
                                               InboxMessage.name == definition.name,
                                               InboxMessage.correlation_key.in_(keys))
                    .order_by(InboxMessage.id).limit(1).with_for_update(skip_locked=True)).first()
                if msg is None or (msg.expires_at is not None and _aware(msg.expires_at) < utcnow()):
                    continue
                if getattr(definition, "message_var", None) is None and isinstance(msg.payload, dict):
                    task.data.update(msg.payload)  # no messageVariable: the payload joins the case data
                event = BpmnEvent(definition, payload=dict(msg.payload),
                                  correlations=dict(self.workflow.correlations))
                self.workflow.send_event(event)
                msg.status, msg.case_id, msg.delivered_at = "delivered", self.case.id, utcnow()
                audit.append(self.session, self.case, "message_received", self.actor,
                             {"message": msg.name, "id": msg.id, "payload": msg.payload})
                self.workflow.do_engine_steps(will_complete_task=lambda t: setattr(self, "_current", t))
                delivered = True
                break
            if not delivered:
                self._live_after_run = live
                return

    def _may_have_message(self, names: set[str], keys: set[str]) -> bool:
        """Whether a pending message for one of ``names`` and ``keys`` may exist (False: certainly not).

        Nearly every case waits on messages that have not come, and the exact look-up per receiver
        (an ORM query that first flushes the step's pending writes) cost more than the rest of a
        start. This is one Core statement on the session's connection, without the flush: what it
        reads is only written through the session by a delivery (then it over-reports, and the exact
        look-up decides) or not at all, and an unflushed message in the session sends it that way too.
        Rows another transaction holds locked count as present; the exact look-up skips them.
        """
        session = self.session
        if any(isinstance(obj, InboxMessage) for obj in (*session.new, *session.dirty)):
            return True
        statement, params = _pending_message_query(sorted(names), sorted(keys))
        return session.connection().execute(statement, params).first() is not None

    # -- projections -------------------------------------------------------------------------
    def save(self) -> None:
        """Write the step back: every change to the case row first (one UPDATE at the next flush,
        whichever statement triggers it), then the projections (the inbox with Core statements)."""
        wf = self.workflow
        # one walk of the tree for everything below (each get_tasks() call walks all of it), or none if
        # run() just made the same one
        live, self._live_after_run = self._live_after_run, None
        if live is None:
            live = wf.get_tasks(state=_LIVE)
        self._guard_depth(live)
        ready_data = _latest_data(wf, live)
        case = self.case
        prune_into_history(self.session, case, wf)  # executed history out of the state
        case.state = dump_state(wf)
        data = _jsonable(ready_data)
        if data != case.data:
            case.data = data
        case.updated_at = utcnow()
        has_incident = any(t.state == TaskState.ERROR for t in live)
        completed_now = wf.is_completed() and case.status != "completed"
        if completed_now:
            case.status = "completed"
            case.completed_at = utcnow()
            audit.append(self.session, case, "case_completed", self.actor, {})
        elif not wf.is_completed():
            new_status = "incident" if has_incident else "waiting"
            if case.status != new_status:
                case.status = new_status
        self._sync_human_tasks(live)
        self._sync_timer_jobs(live)
        if not has_incident and (self._status_before == "incident" or self._recorded_incident):
            # ORM update: incident rows this session holds (a retry's) show the new status too
            self.session.execute(update(Incident).where(Incident.case_id == case.id, Incident.status == "open")
                                 .values(status="resolved", resolved_at=utcnow()))

    def _guard_depth(self, live: list[Task]) -> None:
        for task in live:
            if task.state != TaskState.ERROR and task.depth > MAX_TREE_DEPTH:
                raise EngineError(
                    f"Quy trình lặp quá {MAX_TREE_DEPTH} bước trong một nhánh; hãy dùng tiến trình con",
                    f"Case loops deeper than {MAX_TREE_DEPTH} steps in one branch; use a subprocess",
                    code="loop_too_deep")

    def _sync_human_tasks(self, live: list[Task]) -> None:
        """Bring the inbox up to date from the difference between the READY user tasks the step
        started with and those it ends with: one UPDATE for tasks that went away (cancelled by an
        event or a gateway), one multi-row INSERT for new ones, nothing read."""
        ready = _ready_manual(live)
        gone = self._ready_before - ready.keys() - self.settled
        if gone:  # after the flush: a task row the session changed must be written before it is cancelled
            self.session.execute(_CANCEL_TASKS, {"ids": sorted(gone)})
        self._kept_tasks = [tid for tid in ready if tid in self._ready_before and tid not in self.settled]
        rows = [self._task_row(task_id, task) for task_id, task in ready.items() if task_id not in self._ready_before]
        if rows:  # Core, no autoflush: the case row is written once, at the end
            insert_rows(self.session, _INSERT_TASKS, rows)
            self._new_task_rows, self._new_tasks = rows, None

    def _task_row(self, task_id: str, task: Task) -> dict[str, Any]:
        lane = getattr(task.task_spec, "lane", None)
        mapping = self.lanes.get(lane or "", {}) if lane else {}
        role = mapping.get("role")
        unit = mapping.get("unit")
        if not unit and mapping.get("unit_from"):  # the unit is chosen in the case (e.g. assigned_unit)
            unit = task.data.get(mapping["unit_from"]) or None
        if not unit and role not in (None, "applicant"):
            unit = self.case.org_unit
        props = (getattr(task.task_spec, "extensions", None) or {}).get("properties", {})
        assignee = self.case.started_by if role == "applicant" else None
        return {"id": task_id, "case_id": self.case.id, "bpmn_id": task.task_spec.bpmn_id,
                "name": task.task_spec.bpmn_name or task.task_spec.bpmn_id, "lane": lane, "role": role,
                "unit": unit, "form_key": props.get("formJsonSchemaFilename") or task.task_spec.bpmn_id,
                "kind": props.get("taskKind", "form"), "status": "ready", "assignee": assignee,
                "created_at": utcnow(), "due_at": None, "completed_at": None, "completed_by": None,
                "lock_version": 1}

    def open_tasks(self) -> list[HumanTask]:
        """The case's open human tasks after save(): the new rows from memory, the ones left open
        from before read back (only a step that leaves parallel tasks open reads anything)."""
        kept: list[HumanTask] = []
        if self._kept_tasks:
            kept = list(self.session.scalars(select(HumanTask).where(HumanTask.id.in_(self._kept_tasks))))
        if self._new_tasks is None:
            self._new_tasks = [HumanTask(**row) for row in self._new_task_rows]
        return sorted(kept, key=lambda t: t.created_at) + self._new_tasks

    def _sync_timer_jobs(self, live: list[Task]) -> None:
        """Replace the case's pending timer and receive jobs by those of the events it now waits on.

        The old ones are superseded only if the restored state waited on an event (no other step
        writes them); the new ones go in as one multi-row Core INSERT: nothing in the step reads the
        rows back, and the ORM's per-object insert and bookkeeping cost several times more.
        """
        catches = _catches(live)
        if not catches and not self._had_catches:
            return
        if self._had_catches:
            self.session.execute(update(Job).where(Job.case_id == self.case.id, Job.kind.in_(("timer", "receive")),
                                                   Job.status == "pending").values(status="superseded"))
        keys = sorted({str(self.case.id)} | _correlation_values(self.workflow.correlations))
        rows = []
        for task in catches:
            definition = task.task_spec.event_definition
            if isinstance(definition, TimerEventDefinition):
                rows.append(self._job_row("timer", task, _timer_due(task) or utcnow(), None, None))
            elif isinstance(definition, MessageEventDefinition):
                rows.append(self._job_row("receive", task, utcnow(), definition.name, keys))
        if rows:
            insert_rows(self.session, _INSERT_JOBS, rows)

    def _job_row(self, kind: str, task: Task, due: datetime, message_name: str | None,
                 correlation: list[str] | None) -> dict[str, Any]:
        """A pending job's row with every column set (what the ORM's defaults gave ``Job(...)``)."""
        return {"case_id": self.case.id, "kind": kind, "task_id": str(task.id), "message_name": message_name,
                "correlation": correlation, "due_at": due, "status": "pending", "attempts": 0,
                "last_error": None, "created_at": utcnow(), "done_at": None}


def _pending_message_query(names: list[str], keys: list[str]) -> tuple[Any, dict[str, Any]]:
    """``_ANY_PENDING_MESSAGE`` and its parameters, as a statement without expanding parameters when
    there are few names and keys (always, in the procedures)."""
    size = (len(names), len(keys))
    if not names or not keys or max(size) > _FIXED_IN_MAX:
        return _ANY_PENDING_MESSAGE, {"names": names, "keys": keys}
    statement = _PENDING_MESSAGE_BY_SIZE.get(size)
    if statement is None:
        statement = (select(_INBOX.c.id)
                     .where(_INBOX.c.status == "pending",
                            _INBOX.c.name.in_([bindparam(f"name_{i}") for i in range(size[0])]),
                            _INBOX.c.correlation_key.in_([bindparam(f"key_{i}") for i in range(size[1])]))
                     .limit(1))
        statement = _PENDING_MESSAGE_BY_SIZE.setdefault(size, statement)
    params = {f"name_{i}": name for i, name in enumerate(names)}
    params.update({f"key_{i}": key for i, key in enumerate(keys)})
    return statement, params


def _timer_due(task: Task) -> datetime | None:
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):
        value = value.get("next") if value.get("cycles", 0) != 0 else None
    if not value:
        return None
    try:
        return _aware(TimerEventDefinition.get_datetime(value))
    except Exception:  # noqa: BLE001 - a duration string: compute from now
        try:
            return utcnow() + TimerEventDefinition.parse_iso_duration(value)  # type: ignore[operator]
        except Exception:  # noqa: BLE001
            return None


def _aware(value: datetime) -> datetime:
    from ..clock import as_utc

    return as_utc(value)


def _correlation_values(correlations: dict) -> set[str]:
    out: set[str] = set()
    for props in correlations.values():
        if isinstance(props, dict):
            out.update(str(v) for v in props.values())
    return out


def _ready_manual(tasks: list[Task]) -> dict[str, Task]:
    """READY user tasks by id, in tree order (what the inbox offers)."""
    return {str(t.id): t for t in tasks if t.state == TaskState.READY and t.task_spec.manual}


def _catches(tasks: list[Task]) -> list[Task]:
    """WAITING catching events with an event definition (timers, messages...)."""
    return [t for t in tasks if t.state == TaskState.WAITING and isinstance(t.task_spec, CatchingEvent)
            and getattr(t.task_spec, "event_definition", None)]


def _receives_messages(wf: BpmnWorkflow) -> bool:
    """Whether any part of the model catches a message (cached on the immutable spec)."""
    spec = wf.spec
    cached = getattr(spec, "_quytrinh_receives_messages", None)
    if cached is None:
        specs = [spec, *wf.subprocess_specs.values()]
        cached = any(isinstance(getattr(ts, "event_definition", None), MessageEventDefinition)
                     and isinstance(ts, CatchingEvent) for s in specs for ts in s.task_specs.values())
        spec._quytrinh_receives_messages = cached
    return cached


def _latest_data(wf: BpmnWorkflow, tasks: list[Task]) -> dict[str, Any]:
    """The data of the last live task (READY, WAITING or ERROR), else of the last one that ran."""
    if tasks:
        return dict(tasks[-1].data)
    if wf.last_task is not None:
        return dict(wf.last_task.data)
    return dict(wf.data)


def _root_cause(exc: BaseException) -> BaseException:
    seen = exc
    for _ in range(10):
        if isinstance(seen, ServiceFailure | ScriptBlocked):
            return seen
        nxt = seen.__cause__ or seen.__context__
        if nxt is None:
            break
        seen = nxt
    return exc


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))
