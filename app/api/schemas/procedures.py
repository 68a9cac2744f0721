"""Procedures (deployed process models) and model uploads."""

from __future__ import annotations

from marshmallow import Schema, fields


class ProblemSchema(Schema):
    """Where a model is wrong (or worth a look): file, line and BPMN element, in both languages."""

    code = fields.String()
    message_vi = fields.String()
    message_en = fields.String()
    file = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)
    element_id = fields.String(allow_none=True)
    severity = fields.String()


class ProcedureSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "Id of the current version"})
    code = fields.String(required=True)
    number = fields.Integer(required=True, metadata={"description": "Version number"})
    content_hash = fields.String(required=True)
    process_id = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    deployed_at = fields.String(allow_none=True)


class ProcedureDetailSchema(ProcedureSchema):
    description = fields.String()
    warnings = fields.List(fields.Nested(ProblemSchema))
    settings = fields.Dict()
    start_form = fields.Dict(allow_none=True, metadata={"description": "JSON Schema of the start form"})


class DeployResultSchema(ProcedureDetailSchema):
    created = fields.Boolean(required=True, metadata={
        "description": "false when the same content (same hash) was already deployed"})
    ignored_files = fields.List(fields.String())


class ProcedureCodeSchema(Schema):
    code = fields.String(required=True)
