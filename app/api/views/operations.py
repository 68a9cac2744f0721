"""Messages from other systems and incidents of failed service tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine import Actor

from ..routing import container, endpoint
from ..schemas.cases import IncidentSchema
from ..schemas.common import page_of, paginate
from ..schemas.operations import (
    IncidentQuerySchema,
    MessageResultSchema,
    RetryResultSchema,
    SendMessageSchema,
)


@endpoint("/messages", "POST", tag="operations", body=SendMessageSchema, response=MessageResultSchema,
          roles=("clerk", "agency"), errors=(403, 422))
def send_message(actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """Deliver a message (payment confirmed, reply from an agency) to the case waiting for it.

    When no case waits yet, the message is kept until ``ttl_seconds`` pass and delivered as soon as
    one does.
    """
    ttl = timedelta(seconds=body["ttl_seconds"]) if body["ttl_seconds"] else None
    return container().engine.send_message(body["name"], body["correlation_key"], body["payload"], ttl=ttl,
                                           actor=actor)


@endpoint("/incidents", tag="operations", query=IncidentQuerySchema, response=page_of(IncidentSchema),
          errors=(403,))
def list_incidents(actor: Actor, query: dict[str, Any]) -> dict[str, Any]:
    """Service tasks that failed (signing, sending to an agency...), open ones by default."""
    items = [i.to_dict() for i in container().engine.incidents(actor, status=query["status"])]
    return paginate(items, query["page"], query["per_page"])


@endpoint("/incidents/<id:incident_id>/retry", "POST", tag="operations", response=RetryResultSchema,
          errors=(403, 404, 409))
def retry_incident(actor: Actor, incident_id: int) -> dict[str, Any]:
    """Run the failed service task again now."""
    return container().engine.retry_incident(incident_id, actor)
