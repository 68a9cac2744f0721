"""Authentication and deny-by-default: no route answers anonymously unless it is marked public."""

from __future__ import annotations

import re

from api_helpers import PASSWORD, bearer

from app.api import API_PREFIX, is_public

EXPECTED_PUBLIC = {"api.login", "api.health", "api.openapi_document"}
_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _concrete(rule: str) -> str:
    return _ARG.sub(lambda m: "1" if m.group(1) in ("int", "id") else "x", rule)


def test_every_route_refuses_anonymous_callers_unless_marked_public(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or is_public(view):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(_concrete(rule.rule), method=method, json={})
            checked += 1
            if rule.rule.startswith(API_PREFIX):
                assert response.status_code == 401, (method, rule.rule, response.status_code)
                assert response.json["code"] == "unauthorized"
                assert response.json["message"] == "Bạn cần đăng nhập"
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
            else:  # pages: refused or sent to the login page, never served
                assert response.status_code in (401, 302, 303), (method, rule.rule)
    assert checked >= 17


def test_only_login_health_and_openapi_are_public(app):
    public = {rule.endpoint for rule in app.url_map.iter_rules()
              if rule.rule.startswith(API_PREFIX) and is_public(app.view_functions[rule.endpoint])}
    assert public == EXPECTED_PUBLIC


def test_bad_credentials_are_refused(client, make_user, container):
    token = make_user("sv1", ("applicant", None))
    for header in ("Bearer qt_not-a-real-token", "Basic c3YxOnB3", "Bearer", "Bearer " + "qt_" + "a" * 500,
                   "Bearer abc"):
        response = client.get(f"{API_PREFIX}/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json["code"] in ("bad_token", "bad_authorization_header")
    container.accounts.revoke_token(token)
    assert client.get(f"{API_PREFIX}/me", headers=bearer(token)).status_code == 401


def test_login_gives_a_working_token_and_me_shows_roles_and_units(client, make_user):
    make_user("cv1", ("clerk", "PDT"), ("leader", "PDT"), full_name="Lê Minh Tâm")
    response = client.post(f"{API_PREFIX}/auth/login", json={"username": "cv1", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json["token"]
    assert token.startswith("qt_")
    assert response.headers["Cache-Control"] == "no-store"  # a token must never sit in a cache
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.json["user"] == {"id": "cv1", "display_name": "Lê Minh Tâm", "roles": ["clerk", "leader"],
                                     "units": ["PDT"]}
    me = client.get(f"{API_PREFIX}/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json["roles"] == ["clerk", "leader"] and me.json["units"] == ["PDT"]
    assert me.json["auth_method"] == "bearer"


def test_wrong_password_and_unknown_user_get_the_same_answer(client, make_user):
    make_user("sv1", ("applicant", None))
    wrong = client.post(f"{API_PREFIX}/auth/login", json={"username": "sv1", "password": "sai-mat-khau"})
    unknown = client.post(f"{API_PREFIX}/auth/login", json={"username": "khong-co", "password": "sai-mat-khau"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json
    assert wrong.json["message"] == "Sai tên đăng nhập hoặc mật khẩu"
    assert "token" not in wrong.json


def test_login_body_is_validated_field_by_field(client):
    response = client.post(f"{API_PREFIX}/auth/login", json={"username": "", "is_admin": True})
    assert response.status_code == 422
    details = response.json["details"]
    assert set(details) == {"username", "password", "is_admin"}
    assert details["is_admin"] == ["Trường không được phép / Unknown field."]
    assert details["password"] == ["Bắt buộc / Missing data for required field."]
    assert details["username"] == ["Độ dài phải từ 1 đến 128 / Length must be between 1 and 128."]


def test_session_cookie_needs_csrf_header_for_changes_and_dies_at_logout(client, make_user, deployed):
    make_user("sv1", ("applicant", None))
    login = client.post(f"{API_PREFIX}/auth/login", json={"username": "sv1", "password": PASSWORD})
    csrf = login.json["csrf_token"]
    me = client.get(f"{API_PREFIX}/me")  # the cookie alone
    assert me.status_code == 200 and me.json["auth_method"] == "session"
    start = {"procedure": "DEMO", "data": {"reason": "xin bảng điểm"}}
    refused = client.post(f"{API_PREFIX}/cases", json=start)
    assert refused.status_code == 403 and refused.json["code"] == "csrf_failed"
    assert client.post(f"{API_PREFIX}/cases", json=start, headers={"X-CSRF-Token": "sai"}).status_code == 403
    assert client.post(f"{API_PREFIX}/cases", json=start, headers={"X-CSRF-Token": csrf}).status_code == 201
    out = client.post(f"{API_PREFIX}/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 200
    assert client.get(f"{API_PREFIX}/me").status_code == 401
    # the token of that login was revoked too, so a copy of it is useless
    assert client.get(f"{API_PREFIX}/me", headers=bearer(login.json["token"])).status_code == 401


def test_logout_with_a_bearer_token_revokes_only_that_token(client, make_user, container):
    first = make_user("sv1", ("applicant", None))
    second = container.accounts.issue_token("sv1", name="second device")
    assert client.post(f"{API_PREFIX}/auth/logout", headers=bearer(first)).status_code == 200
    assert client.get(f"{API_PREFIX}/me", headers=bearer(first)).status_code == 401
    assert client.get(f"{API_PREFIX}/me", headers=bearer(second)).status_code == 200
