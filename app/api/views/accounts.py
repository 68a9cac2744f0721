"""Log in (token + session cookie), log out (revoke), and who am I."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from engine import Actor

from ...accounts import AccountError
from ..auth import end_session, start_session
from ..errors import ApiError
from ..routing import container, current_auth, endpoint
from ..schemas.accounts import LoggedOutSchema, LoginResultSchema, LoginSchema, MeSchema


def user_dict(actor: Actor) -> dict[str, Any]:
    return {"id": actor.user_id, "display_name": actor.display_name,
            "roles": sorted(actor.roles), "units": sorted(actor.units)}


THROTTLE_KEY = "quytrinh.login_throttle"


@endpoint("/auth/login", "POST", tag="auth", body=LoginSchema, response=LoginResultSchema, public=True,
          errors=(401, 422, 429))
def login(body: dict[str, Any]) -> dict[str, Any]:
    """Log in with user name and password.

    Returns a new API token (use it as ``Authorization: Bearer <token>``) and also sets a session
    cookie for the web pages; changing requests made with the cookie must send ``X-CSRF-Token``.
    Repeated failures from one address or for one user name are answered 429 for a while.
    """
    accounts = container().accounts
    throttle = current_app.extensions[THROTTLE_KEY]
    keys = (f"addr:{request.remote_addr}", f"user:{body['username'].lower()}")
    wait = throttle.retry_after(*keys)
    if wait:
        raise ApiError(429, "too_many_attempts", f"Đăng nhập sai quá nhiều lần, hãy thử lại sau {wait} giây",
                       f"Too many failed logins; try again in {wait} s", {"retry_after": wait},
                       headers={"Retry-After": str(wait)})
    try:
        actor = accounts.authenticate(body["username"], body["password"])
    except AccountError:
        throttle.failed(*keys)
        raise
    throttle.succeeded(keys[1])
    token = accounts.issue_token(actor.user_id, name="login")
    csrf = start_session(token)
    return {"token": token, "csrf_token": csrf, "user": user_dict(actor)}


@endpoint("/auth/logout", "POST", tag="auth", response=LoggedOutSchema)
def logout(actor: Actor) -> dict[str, Any]:
    """Log out: revoke the token used for this request and clear the session cookie."""
    container().accounts.revoke_token(current_auth().token)
    end_session()
    return {"logged_out": True}


@endpoint("/me", tag="auth", response=MeSchema)
def me(actor: Actor) -> dict[str, Any]:
    """The calling user with their roles and organisational units."""
    user = user_dict(actor)
    return {"user": user, "roles": user["roles"], "units": user["units"], "auth_method": current_auth().method}
