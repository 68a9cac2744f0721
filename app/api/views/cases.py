"""Cases: start one, list the ones you may see, read one, and its audit trail."""

from __future__ import annotations

from typing import Any

from engine import Actor
from engine.runtime.views import CaseView

from ..routing import container, endpoint
from ..schemas.cases import (
    AuditEventSchema,
    AuditReportSchema,
    CaseQuerySchema,
    CaseSchema,
    CaseSummarySchema,
    StartCaseSchema,
)
from ..schemas.common import PageQuerySchema, page_of, paginate


@endpoint("/cases", "POST", tag="cases", body=StartCaseSchema, response=CaseSchema, status=201,
          errors=(404, 422))
def start_case(actor: Actor, body: dict[str, Any]) -> CaseView:
    """Start a case of a procedure with its start form data (checked against the form's JSON Schema)."""
    return container().engine.start(body["procedure"], body["data"], actor)


@endpoint("/cases", tag="cases", query=CaseQuerySchema, response=page_of(CaseSummarySchema))
def list_cases(actor: Actor, query: dict[str, Any]) -> Any:
    """The cases you may see: your own, and for staff those of your units. Newest first."""
    return container().engine.cases(actor, status=query.get("status"), code=query.get("procedure"),
                                    page=query["page"], per_page=query["per_page"])


@endpoint("/cases/<id:case_id>", tag="cases", response=CaseSchema, errors=(404,))
def get_case(actor: Actor, case_id: int) -> CaseView:
    """One case with its data, open and finished tasks and incidents (404 if you may not see it)."""
    return container().engine.case(case_id, actor)


@endpoint("/cases/<id:case_id>/audit", tag="cases", query=PageQuerySchema, response=page_of(AuditEventSchema),
          errors=(404,))
def list_case_audit(actor: Actor, case_id: int, query: dict[str, Any]) -> dict[str, Any]:
    """The case's hash-chained audit events, oldest first."""
    events = container().engine.audit_events(case_id, actor)
    return paginate(events, query["page"], query["per_page"])


@endpoint("/cases/<id:case_id>/audit/verify", tag="cases", response=AuditReportSchema, errors=(404,))
def verify_case_audit(actor: Actor, case_id: int) -> Any:
    """Recompute the case's audit hash chain and say whether it is intact (and where it breaks)."""
    engine = container().engine
    engine.case(case_id, actor)  # the same visibility rule as reading the case
    return engine.verify_audit(case_id)
