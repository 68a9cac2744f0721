"""Who is calling: a Bearer API token, or the session cookie a login set.

Both end in the same place: an API token checked against its stored SHA-256. The session cookie
holds the login's token rather than a user id, so logging out (which revokes the token) also kills
a copied cookie. Requests authenticated by cookie that change something must repeat the session's
CSRF token in the ``X-CSRF-Token`` header: a cookie is sent by the browser on its own, a header is not.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from flask import request, session

from engine import Actor

from ..accounts import AccountError, Accounts
from .errors import ApiError

SESSION_TOKEN_KEY = "api_token"
SESSION_CSRF_KEY = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_PREFIX = "qt_"
MAX_TOKEN_LENGTH = 200


@dataclass(frozen=True)
class Authenticated:
    """The acting user and how they proved it (``token`` is needed again to log out)."""

    actor: Actor
    method: Literal["bearer", "session"]
    token: str


def unauthorized(code: str = "unauthorized", message_vi: str = "Bạn cần đăng nhập",
                 message_en: str = "Authentication required") -> ApiError:
    return ApiError(401, code, message_vi, message_en,
                    headers={"WWW-Authenticate": 'Bearer realm="quytrinh"'})


def authenticate_request(accounts: Accounts) -> Authenticated:
    """Resolve the caller from the Authorization header, else the session; raise 401 otherwise."""
    header = request.headers.get("Authorization")
    if header is not None:
        return Authenticated(_actor_for(accounts, _bearer_token(header)), "bearer", _bearer_token(header))
    token = session.get(SESSION_TOKEN_KEY)
    if isinstance(token, str) and token:
        try:
            actor = _actor_for(accounts, token)
        except ApiError:
            session.clear()
            raise
        if request.method not in SAFE_METHODS:
            _check_csrf()
        return Authenticated(actor, "session", token)
    raise unauthorized()


def start_session(token: str) -> str:
    """Remember a fresh login in the session cookie; return the CSRF token pages must echo."""
    session.clear()
    session[SESSION_TOKEN_KEY] = token
    csrf = secrets.token_urlsafe(24)
    session[SESSION_CSRF_KEY] = csrf
    return csrf


def end_session() -> None:
    session.clear()


def _bearer_token(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("bad_authorization_header",
                           "Tiêu đề Authorization phải có dạng 'Bearer <mã truy cập>'",
                           "The Authorization header must be 'Bearer <token>'")
    return token


def _actor_for(accounts: Accounts, token: str) -> Actor:
    if not token.startswith(TOKEN_PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        raise unauthorized("bad_token", "Mã truy cập không hợp lệ", "Invalid API token")
    try:
        return accounts.actor_for_token(token)
    except AccountError as exc:
        raise unauthorized(exc.code, exc.message_vi, exc.message_en) from None


def _check_csrf() -> None:
    expected = session.get(SESSION_CSRF_KEY)
    given = request.headers.get(CSRF_HEADER, "")
    if not isinstance(expected, str) or not hmac.compare_digest(expected.encode(), given.encode()):
        raise ApiError(403, "csrf_failed",
                       "Thiếu hoặc sai mã chống giả mạo (X-CSRF-Token) cho yêu cầu dùng phiên đăng nhập",
                       "Missing or wrong X-CSRF-Token for a cookie-authenticated request")
