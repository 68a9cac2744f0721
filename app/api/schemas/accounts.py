"""Logging in and who am I."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import StrictSchema


class LoginSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=128))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024),
                             load_only=True)


class UserSchema(Schema):
    id = fields.String(required=True)
    display_name = fields.String()
    roles = fields.List(fields.String(), required=True)
    units = fields.List(fields.String(), required=True)


class LoginResultSchema(Schema):
    token = fields.String(required=True, metadata={"description": "API token (shown once): Bearer qt_..."})
    csrf_token = fields.String(required=True, metadata={
        "description": "Send as X-CSRF-Token on changing requests authenticated by the session cookie"})
    user = fields.Nested(UserSchema, required=True)


class MeSchema(Schema):
    user = fields.Nested(UserSchema, required=True)
    roles = fields.List(fields.String())
    units = fields.List(fields.String())
    auth_method = fields.String(metadata={"description": "bearer or session"})


class LoggedOutSchema(Schema):
    logged_out = fields.Boolean(required=True)
