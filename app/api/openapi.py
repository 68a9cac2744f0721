"""The OpenAPI 3 document, generated from the registered routes and their marshmallow schemas.

Nothing here is written by hand per endpoint: each operation comes from the URL map and the
:class:`~app.api.routing.EndpointMeta` its view carries, so a new route appears in the document (with
its security requirement) the moment it is registered.
"""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from werkzeug.routing import Rule

from .errors import HTTP_ERRORS
from .routing import API_PREFIX, EndpointMeta, is_public
from .schemas.common import ErrorSchema

_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
_CONVERTER_TYPES = {"int": "integer", "id": "integer", "float": "number"}
AUTHENTICATED = [{"bearerAuth": []}, {"sessionCookie": []}]
_HIDDEN_METHODS = {"HEAD", "OPTIONS"}


def build_openapi(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="quytrinh API", version="1.0.0", openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
        info={"description": "Quy trình điện tử và ký số PAdES cho trường đại học / "
                             "BPMN procedures with PAdES signatures for universities. Every endpoint needs "
                             "a Bearer API token or the login session cookie unless its security is empty."},
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                    "description": "API token from POST /auth/login (qt_...)"})
    spec.components.security_scheme("sessionCookie", {
        "type": "apiKey", "in": "cookie", "name": app.config.get("SESSION_COOKIE_NAME", "session"),
        "description": "Set by POST /auth/login. Requests other than GET/HEAD/OPTIONS made with it must "
                       "also send the login's csrf_token in the X-CSRF-Token header."})
    spec.components.schema("Error", schema=ErrorSchema)
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        view = app.view_functions[rule.endpoint]
        path, parameters = _path_and_parameters(rule)
        for method in sorted((rule.methods or set()) - _HIDDEN_METHODS):
            meta: EndpointMeta | None = getattr(view, "api_meta", None)
            paths.setdefault(path, {})[method.lower()] = _operation(rule, meta, parameters, is_public(view))
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _path_and_parameters(rule: Rule) -> tuple[str, list[dict[str, Any]]]:
    parameters = []
    for match in _ARGUMENT.finditer(rule.rule):
        kind = _CONVERTER_TYPES.get(match.group("converter") or "", "string")
        parameters.append({"in": "path", "name": match.group("name"), "required": True, "schema": {"type": kind}})
    return _ARGUMENT.sub(lambda m: "{" + m.group("name") + "}", rule.rule), parameters


def _operation(rule: Rule, meta: EndpointMeta | None, parameters: list[dict[str, Any]],
               public: bool) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": rule.endpoint.split(".")[-1],
        "security": [] if public else AUTHENTICATED,
        "parameters": list(parameters),
    }
    statuses: set[int] = set() if public else {401}
    if meta is None:
        operation.update(summary=rule.endpoint, responses={"200": {"description": "OK"}})
        operation["responses"].update(_error_responses(statuses))
        return operation
    operation.update(summary=meta.summary, tags=[meta.tag])
    if meta.description:
        operation["description"] = meta.description
    if meta.query is not None:
        operation["parameters"].append({"in": "query", "schema": meta.query})
        statuses.add(422)
    if meta.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": meta.body}}}
        statuses.update({400, 413, 415, 422})
    if meta.upload:
        operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {"file": {"type": "string", "format": "binary",
                                                      "description": ".bpmn file or .zip package"}}}}}}
        statuses.update({413, 415, 422})
    if meta.roles:
        statuses.add(403)
    statuses.update(meta.errors)
    operation["responses"] = {str(meta.status): _success(meta)}
    if meta.upload and meta.status == 201:
        operation["responses"]["200"] = {**_success(meta), "description": "Already deployed (same content hash)"}
    operation["responses"].update(_error_responses(statuses))
    return operation


def _success(meta: EndpointMeta) -> dict[str, Any]:
    if meta.media_type != "application/json":
        return {"description": "OK", "content": {meta.media_type: {"schema": {"type": "string"}}}}
    schema: Any = meta.response if meta.response is not None else {"type": "object"}
    return {"description": "Created" if meta.status == 201 else "OK",
            "content": {"application/json": {"schema": schema}}}


def _error_responses(statuses: set[int]) -> dict[str, Any]:
    return {str(code): {"description": HTTP_ERRORS.get(code, ("", "", "Error"))[2],
                        "content": {"application/json": {"schema": "Error"}}}
            for code in sorted(statuses)}
