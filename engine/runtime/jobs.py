"""Background work: due timers, service-task retries and the durable message inbox.

Workers claim due jobs with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (several workers never take
the same job); on SQLite the write lock serialises them. A job is processed in the same
transaction that marks it done, so a crash either leaves it pending or finishes it, never both.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .. import audit
from ..actors import Actor
from ..clock import as_utc, utcnow
from ..db import transaction
from ..errors import Conflict, NotFound
from ..models import Case, InboxMessage, Incident, Job
from ..services import ServiceRegistry
from .specs import version_data
from .stepper import CaseStep


def _step(session: Session, registry: ServiceRegistry, case: Case, actor: str) -> CaseStep:
    return CaseStep(session, case, version_data(session, case.version_id), registry, actor)


def run_job(session: Session, registry: ServiceRegistry, job: Job, now: datetime) -> None:
    case = session.get(Case, job.case_id, with_for_update=True, populate_existing=True)
    job.attempts += 1
    if case is None or case.status == "completed":
        job.status, job.done_at = "done", now
        return
    step = _step(session, registry, case, "worker")
    if job.kind == "timer":
        step.fire_timers(now)
    elif job.kind == "retry":
        if step.retry_failed():
            audit.append(session, case, "service_retried", "worker", {"task_id": job.task_id,
                                                                      "attempt": job.attempts})
    step.run()
    step.save()
    job.status, job.done_at = "done", now


def claim_due_jobs(session: Session, now: datetime, limit: int) -> list[Job]:
    q = (select(Job).where(Job.status == "pending", Job.kind.in_(("timer", "retry")), Job.due_at <= now).order_by(Job.due_at, Job.id)
         .limit(limit).with_for_update(skip_locked=True))
    return list(session.scalars(q))


def run_due_jobs(factory: sessionmaker[Session], registry: ServiceRegistry, *, limit: int = 50,
                 now: datetime | None = None) -> int:
    """Run up to ``limit`` due jobs, one transaction each; return how many ran."""
    done = 0
    for _ in range(limit):
        moment = now or utcnow()
        job_id: int | None = None
        try:
            with transaction(factory) as session:
                jobs = claim_due_jobs(session, moment, 1)
                if not jobs:
                    return done
                job_id = jobs[0].id
                run_job(session, registry, jobs[0], moment)
            done += 1
        except Conflict:
            continue  # someone stepped the same case first; the job stays pending for the next round
        except Exception as exc:  # noqa: BLE001 - a bad job must not stop the worker
            if job_id is not None:
                _record_job_failure(factory, job_id, exc)
    return done


def _record_job_failure(factory: sessionmaker[Session], job_id: int, exc: Exception) -> None:
    """The job's step was rolled back: count the attempt on that job and back off (give up after 5)."""
    from sqlalchemy.orm.exc import StaleDataError

    if isinstance(exc, StaleDataError):
        return  # lost a race on the case: the job is still pending and simply runs again
    with transaction(factory) as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status != "pending":
            return
        job.attempts += 1
        job.last_error = repr(exc)[:2000]
        if job.attempts >= 5:
            job.status = "failed"
        else:
            job.due_at = utcnow() + timedelta(seconds=2 ** job.attempts)


def send_message(session: Session, registry: ServiceRegistry, name: str, correlation_key: str,
                 payload: dict[str, Any], *, ttl: timedelta | None = None, actor: str = "system") -> dict[str, Any]:
    """Store a message durably and deliver it now if a receiver already waits; else it waits for one."""
    msg = InboxMessage(name=name, correlation_key=str(correlation_key), payload=payload,
                       expires_at=(utcnow() + ttl) if ttl else None)
    session.add(msg)
    session.flush()
    receivers = session.scalars(select(Job).where(Job.kind == "receive", Job.status == "pending",
                                                  Job.message_name == name).order_by(Job.id)).all()
    for receiver in receivers:
        if str(correlation_key) not in (receiver.correlation or []):
            continue
        case = session.get(Case, receiver.case_id, with_for_update=True, populate_existing=True)
        step = _step(session, registry, case, actor)
        step.run()  # run() delivers pending inbox messages to waiting receivers
        if msg.status == "delivered":
            step.save()
            break
    return {"id": msg.id, "status": msg.status, "case_id": msg.case_id}


def expire_messages(session: Session, now: datetime | None = None) -> int:
    now = now or utcnow()
    rows = session.scalars(select(InboxMessage).where(InboxMessage.status == "pending",
                                                      InboxMessage.expires_at.is_not(None))).all()
    n = 0
    for row in rows:
        if as_utc(row.expires_at) < now:
            row.status = "expired"
            n += 1
    return n


def retry_incident(session: Session, registry: ServiceRegistry, incident_id: int, actor: Actor) -> dict[str, Any]:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"Không tìm thấy sự cố {incident_id}", f"Incident {incident_id} not found")
    if incident.status != "open":
        raise Conflict("Sự cố đã được xử lý", "Incident already resolved")
    case = session.get(Case, incident.case_id, with_for_update=True, populate_existing=True)
    step = _step(session, registry, case, actor.user_id)
    step.retry_failed()
    audit.append(session, case, "service_retried", actor.user_id, {"incident": incident_id})
    step.run()
    step.save()
    session.flush()
    return {"incident": incident_id, "status": incident.status, "case_status": case.status}
