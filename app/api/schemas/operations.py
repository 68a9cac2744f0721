"""Messages from outside, incidents and health."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import PageQuerySchema, StrictSchema

MAX_TTL_SECONDS = 366 * 24 * 3600


class SendMessageSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=128))
    correlation_key = fields.String(required=True, validate=validate.Length(min=1, max=255))
    payload = fields.Dict(keys=fields.String(), load_default=dict)
    ttl_seconds = fields.Integer(allow_none=True, load_default=None,
                                 validate=validate.Range(min=1, max=MAX_TTL_SECONDS))


class MessageResultSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "delivered or pending (kept until its TTL)"})
    case_id = fields.Integer(allow_none=True)


class IncidentQuerySchema(PageQuerySchema):
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "resolved")))


class RetryResultSchema(Schema):
    incident = fields.Integer(required=True)
    status = fields.String(required=True)
    case_status = fields.String()


class HealthSchema(Schema):
    status = fields.String(required=True)
    database = fields.String(required=True)
