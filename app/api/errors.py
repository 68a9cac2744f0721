"""Every failure leaves the API as the same JSON shape: ``{code, message, message_en, details}``.

Clients (the web pages, the mobile app of a university, another agency's system) key their
behaviour on ``code`` and show ``message`` (Vietnamese) to people, so Flask's own HTML error pages
must never leak through: routing errors (404/405), oversized bodies (413) and crashes (500) are
turned into this shape here too.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from engine.errors import EngineError, ModelRejected

from ..accounts import AccountError
from .messages_vi import translate_messages

log = logging.getLogger("quytrinh.api")

#: Stable codes and messages (vi, en) for the HTTP errors Flask/Werkzeug raise by themselves.
HTTP_ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "Yêu cầu không hợp lệ", "Bad request"),
    401: ("unauthorized", "Bạn cần đăng nhập", "Authentication required"),
    403: ("forbidden", "Bạn không có quyền thực hiện thao tác này", "You are not allowed to do this"),
    404: ("not_found", "Không tìm thấy địa chỉ yêu cầu", "No such resource"),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ cho địa chỉ này",
          "Method not allowed on this resource"),
    409: ("conflict", "Xung đột dữ liệu, hãy tải lại và thử lại", "Conflict; reload and try again"),
    413: ("payload_too_large", "Dữ liệu gửi lên quá lớn", "Request body too large"),
    415: ("unsupported_media_type", "Kiểu nội dung không được hỗ trợ", "Unsupported media type"),
    422: ("validation_error", "Dữ liệu không hợp lệ", "Invalid data"),
    429: ("too_many_requests", "Quá nhiều yêu cầu, hãy thử lại sau", "Too many requests"),
    500: ("internal_error", "Lỗi hệ thống, vui lòng thử lại sau", "Internal server error"),
}


class ApiError(Exception):
    """An error raised by the API layer itself (authentication, body parsing, role checks)."""

    def __init__(self, status: int, code: str, message_vi: str, message_en: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message_en)
        self.status, self.code = status, code
        self.message_vi, self.message_en = message_vi, message_en
        self.details, self.headers = details, headers or {}


def error_body(code: str, message_vi: str, message_en: str, details: Any = None) -> dict[str, Any]:
    return {"code": code, "message": message_vi, "message_en": message_en, "details": details}


def _reply(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _api_error(exc: ApiError) -> Response:
    return _reply(exc.status, error_body(exc.code, exc.message_vi, exc.message_en, exc.details), exc.headers)


def _engine_error(exc: EngineError) -> Response:
    body = exc.to_dict()
    if isinstance(exc, ModelRejected) and isinstance(exc.details, list | tuple):
        body["details"] = [_problem(p) for p in exc.details]
    return _reply(exc.http_status, body)


def _problem(item: Any) -> Any:
    """A model problem as the upload form shows it: file, line, element_id and ``message`` (Vietnamese)."""
    data = item.to_dict() if hasattr(item, "to_dict") else item
    if isinstance(data, dict):
        data = dict(data)
        data.setdefault("message", data.get("message_vi") or data.get("message_en"))
    return data


def _account_error(exc: AccountError) -> Response:
    status = 401 if exc.code in ("bad_credentials", "bad_token", "no_user") else 422
    return _reply(status, error_body(exc.code, exc.message_vi, exc.message_en))


def _validation_error(exc: ValidationError) -> Response:
    code, vi, en = HTTP_ERRORS[422]
    return _reply(422, error_body(code, vi, en, translate_messages(exc.messages)))


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code, vi, en = HTTP_ERRORS.get(status, (f"http_{status}", exc.name, exc.name))
    details: dict[str, Any] | None = None
    headers: dict[str, str] = {}
    if status == 405:
        allowed = sorted(getattr(exc, "valid_methods", None) or [])
        details = {"allowed": allowed}
        if allowed:
            headers["Allow"] = ", ".join(allowed)
    elif status == 413:
        from flask import request

        details = {"max_bytes": request.max_content_length}
    return _reply(status, error_body(code, vi, en, details), headers)


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):  # pragma: no cover - Flask routes these to _http_error first
        return _http_error(exc)
    log.exception("unhandled error in request", exc_info=exc)
    code, vi, en = HTTP_ERRORS[500]
    return _reply(500, error_body(code, vi, en))


def register_error_handlers(app: Flask) -> None:
    """Install the JSON error handlers on the whole application (API and Flask's own errors)."""
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(EngineError, _engine_error)
    app.register_error_handler(AccountError, _account_error)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
