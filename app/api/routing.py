"""The one request pipeline of the API: authenticate, check access, load input, run, dump output.

Views are declared with :func:`endpoint`, which records what the OpenAPI document needs (schemas,
status, security) on the view itself, so the document is generated from the same objects that
serve requests and cannot drift from them. Authentication runs in the blueprint's
``before_request`` for every route, including ones added without :func:`endpoint`: a route is only
reachable anonymously when it is explicitly marked public (deny by default).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from marshmallow import Schema
from werkzeug.routing import IntegerConverter

from engine import Actor

from ..container import Container
from .auth import Authenticated, authenticate_request
from .errors import ApiError

API_PREFIX = "/api/v1"
#: Bodies of JSON endpoints are far smaller than model uploads (which use the app-wide limit).
DEFAULT_MAX_JSON_BYTES = 1024 * 1024

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)


class DatabaseIdConverter(IntegerConverter):
    """``<id:case_id>``: a positive integer that fits a database INTEGER column.

    A plain ``<int:...>`` accepts 10**30, which the database driver refuses with an error (500);
    out-of-range ids are simply not found (404).
    """

    def __init__(self, map: Any) -> None:  # noqa: A002 - werkzeug's argument name
        super().__init__(map, min=1, max=2**31 - 1)


@dataclass(frozen=True)
class EndpointMeta:
    """What one API operation takes and gives; read by the pipeline and by the OpenAPI builder."""

    rule: str
    method: str
    summary: str
    description: str
    tag: str
    body: Schema | None = None
    query: Schema | None = None
    response: Schema | None = None
    status: int = 200
    public: bool = False
    roles: tuple[str, ...] = ()
    upload: bool = False
    errors: tuple[int, ...] = ()
    media_type: str = "application/json"


def container() -> Container:
    """The composed application serving this request (the one place the API reaches for it)."""
    return current_app.extensions["quytrinh"]


def is_public(view: Callable[..., Any] | None) -> bool:
    """True only for views explicitly marked public; anything else requires authentication."""
    return bool(getattr(view, "is_public", False))


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view (API or page) as reachable without logging in."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def endpoint(rule: str, method: str = "GET", *, tag: str, body: type[Schema] | None = None,
             query: type[Schema] | None = None, response: type[Schema] | None = None, status: int = 200,
             public: bool = False, roles: tuple[str, ...] = (), upload: bool = False,
             errors: tuple[int, ...] = (), media_type: str = "application/json") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn`` on the API blueprint behind the pipeline.

    ``fn`` receives the URL arguments, ``actor`` (unless public), ``body`` and ``query`` (already
    validated by their schemas) and returns an object for ``response`` to dump, optionally as
    ``(object, status)``. ``roles`` refuses callers holding none of them with 403 before ``fn`` runs
    (admins pass, as everywhere in the engine).
    """

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        doc = (fn.__doc__ or "").strip()
        summary, _, description = doc.partition("\n")
        meta = EndpointMeta(rule, method.upper(), summary.strip(), description.strip(), tag,
                            body() if body else None, query() if query else None,
                            response() if response else None, status, public, roles, upload, errors, media_type)

        @wraps(fn)
        def view(**url_args: Any) -> Response | tuple[Response, int]:
            if any(isinstance(v, str) and "\x00" in v for v in url_args.values()):
                raise ApiError(404, "not_found", "Không tìm thấy địa chỉ yêu cầu", "No such resource")
            kwargs = dict(url_args)
            if not meta.public:
                actor = current_auth().actor
                if meta.roles and not actor.has_any(*meta.roles):
                    raise ApiError(403, "forbidden", "Vai trò của bạn không được phép thực hiện thao tác này",
                                   "Your roles do not allow this operation", {"required_any_of": list(meta.roles)})
                kwargs["actor"] = actor
            if meta.body is not None:
                kwargs["body"] = meta.body.load(read_json_body())
            if meta.query is not None:
                kwargs["query"] = meta.query.load(_without_nul(request.args.to_dict(flat=True)))
            result = fn(**kwargs)
            code = meta.status
            if isinstance(result, tuple):
                result, code = result
            if isinstance(result, Response):
                return result
            payload = meta.response.dump(result) if meta.response is not None else result
            return jsonify(payload), code

        view.api_meta = meta  # type: ignore[attr-defined]
        view.is_public = meta.public  # type: ignore[attr-defined]
        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[meta.method])
        return view

    return register


def current_auth() -> Authenticated:
    auth = g.get("api_auth")
    if auth is None:  # pragma: no cover - before_request guarantees it for non-public views
        raise ApiError(401, "unauthorized", "Bạn cần đăng nhập", "Authentication required")
    return auth


def current_actor() -> Actor:
    return current_auth().actor


@bp.before_request
def _authenticate_and_bound_body() -> None:
    """Deny by default: every API route needs a valid caller unless its view is marked public."""
    view = current_app.view_functions.get(request.endpoint or "")
    meta: EndpointMeta | None = getattr(view, "api_meta", None)
    if meta is None or not meta.upload:
        limit = current_app.config.get("API_MAX_JSON_BYTES", DEFAULT_MAX_JSON_BYTES)
        app_limit = current_app.config.get("MAX_CONTENT_LENGTH")
        request.max_content_length = min(limit, app_limit) if app_limit else limit
    if is_public(view):
        return
    g.api_auth = authenticate_request(container().accounts)


@bp.after_request
def _no_store(response: Response) -> Response:
    """API answers carry tokens and personal data: never cached, never content-sniffed."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def read_json_body() -> Any:
    """The request's JSON document; an empty body counts as ``{}`` so schemas report what is missing."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type",
                       "Nội dung gửi lên phải là JSON (Content-Type: application/json)",
                       "The request body must be JSON (Content-Type: application/json)",
                       {"content_type": request.content_type})
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "Nội dung JSON không đọc được", "The body is not valid JSON",
                       {"error": str(exc)[:200]}) from None
    return _without_nul(document)


def _without_nul(value: Any) -> Any:
    """Refuse the NUL character anywhere in input: PostgreSQL cannot store it in text or JSON columns,
    so it would otherwise surface as a database error (500) far from the request that carried it."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ApiError(422, "nul_character", "Dữ liệu không được chứa ký tự NUL (\\u0000)",
                               "Input must not contain the NUL character (\\u0000)")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return value
