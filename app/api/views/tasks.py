"""Human tasks: the inbox, one task with its form, claim, unclaim and complete."""

from __future__ import annotations

from typing import Any

from engine import Actor
from engine.runtime.views import CaseView, TaskView

from ..routing import container, endpoint
from ..schemas.cases import CaseSchema, CompleteTaskSchema, TaskDetailSchema, TaskSchema
from ..schemas.common import PageQuerySchema, page_of


@endpoint("/tasks", tag="tasks", query=PageQuerySchema, response=page_of(TaskSchema))
def list_tasks(actor: Actor, query: dict[str, Any]) -> Any:
    """Your inbox: open tasks offered to your roles and units, and your own applicant tasks."""
    return container().engine.inbox(actor, page=query["page"], per_page=query["per_page"])


@endpoint("/tasks/<task_id>", tag="tasks", response=TaskDetailSchema, errors=(403, 404))
def get_task(actor: Actor, task_id: str) -> TaskView:
    """One task with the JSON Schema of its form."""
    return container().engine.task(task_id, actor)


@endpoint("/tasks/<task_id>/claim", "POST", tag="tasks", response=TaskSchema, errors=(403, 404, 409))
def claim_task(actor: Actor, task_id: str) -> TaskView:
    """Take a task so colleagues see it is being handled (409 if someone else has it)."""
    return container().engine.claim(task_id, actor)


@endpoint("/tasks/<task_id>/unclaim", "POST", tag="tasks", response=TaskSchema, errors=(403, 404, 409))
def unclaim_task(actor: Actor, task_id: str) -> TaskView:
    """Give a claimed task back to the shared inbox."""
    return container().engine.unclaim(task_id, actor)


@endpoint("/tasks/<task_id>/complete", "POST", tag="tasks", body=CompleteTaskSchema, response=CaseSchema,
          errors=(403, 404, 409, 422))
def complete_task(actor: Actor, task_id: str, body: dict[str, Any]) -> CaseView:
    """Complete a task with its form data; answers with the case as it now stands.

    409 when the task was completed, claimed by someone else, or changed since ``version``.
    """
    return container().engine.complete(task_id, body["data"], actor, expected_version=body["version"])
