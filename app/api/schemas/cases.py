"""Cases, their tasks, incidents and audit trail."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import PageQuerySchema, StrictSchema


class TaskSchema(Schema):
    id = fields.String(required=True)
    case_id = fields.Integer(required=True)
    bpmn_id = fields.String()
    name = fields.String()
    lane = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    status = fields.String()
    assignee = fields.String(allow_none=True)
    form_key = fields.String(allow_none=True)
    kind = fields.String()
    version = fields.Integer(metadata={"description": "Send back as `version` when completing"})
    created_at = fields.String(allow_none=True)
    case_code = fields.String(allow_none=True)
    case_title = fields.String(allow_none=True)


class TaskDetailSchema(TaskSchema):
    form = fields.Dict(allow_none=True, metadata={"description": "JSON Schema of the task's form"})


class IncidentSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer()
    task_id = fields.String()
    bpmn_id = fields.String()
    operator = fields.String(allow_none=True)
    error_code = fields.String()
    error = fields.String()
    attempts = fields.Integer()
    status = fields.String()
    created_at = fields.String(allow_none=True)


class CaseSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    version_id = fields.Integer()
    status = fields.String()
    title = fields.String()
    started_by = fields.String()
    org_unit = fields.String(allow_none=True)
    data = fields.Dict()
    created_at = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)
    completed_at = fields.String(allow_none=True)
    version = fields.Integer()
    tasks = fields.List(fields.Nested(TaskSchema))
    incidents = fields.List(fields.Nested(IncidentSchema))


class CaseSummarySchema(Schema):
    """A case in a list: without tasks, incidents and form data."""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    status = fields.String()
    title = fields.String()
    started_by = fields.String()
    org_unit = fields.String(allow_none=True)
    created_at = fields.String(allow_none=True)
    updated_at = fields.String(allow_none=True)
    completed_at = fields.String(allow_none=True)
    version = fields.Integer()


class StartCaseSchema(StrictSchema):
    procedure = fields.String(required=True, validate=validate.Length(min=1, max=64))
    data = fields.Dict(keys=fields.String(), load_default=dict, metadata={
        "description": "Start form data, checked against the procedure's start form"})


class CaseQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.Length(min=1, max=16))
    procedure = fields.String(validate=validate.Length(min=1, max=64))


class CompleteTaskSchema(StrictSchema):
    data = fields.Dict(keys=fields.String(), load_default=dict)
    version = fields.Integer(allow_none=True, load_default=None, metadata={
        "description": "The task version you loaded; 409 if it changed since"})


class AuditEventSchema(Schema):
    seq = fields.Integer(required=True)
    kind = fields.String()
    actor = fields.String()
    payload = fields.Dict()
    at = fields.String()
    hash = fields.String()
    prev_hash = fields.String()


class AuditReportSchema(Schema):
    case_id = fields.Integer(required=True)
    events = fields.Integer(required=True)
    ok = fields.Boolean(required=True)
    first_bad_seq = fields.Integer(allow_none=True)
    reason = fields.String()
