"""Hostile and broken requests: every answer is the JSON error shape, never HTML, never a crash."""

from __future__ import annotations

import io

import pytest
from api_helpers import bearer

from app.api import API_PREFIX
from engine import SYSTEM


def _assert_error_shape(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    assert response.json["code"] == code
    assert set(response.json) == {"code", "message", "message_en", "details"}
    assert response.json["message"] != response.json["message_en"]  # Vietnamese first, English too


@pytest.fixture
def token(make_user) -> str:  # type: ignore[no-untyped-def]
    return make_user("sv1", ("applicant", None))


def test_body_that_is_not_json(client, token, deployed, container):
    text = client.post(f"{API_PREFIX}/cases", data="procedure=DEMO", headers=bearer(token),
                       content_type="application/x-www-form-urlencoded")
    _assert_error_shape(text, 415, "unsupported_media_type")
    broken = client.post(f"{API_PREFIX}/cases", data='{"procedure": "DEMO",', headers=bearer(token),
                         content_type="application/json")
    _assert_error_shape(broken, 400, "invalid_json")
    latin1 = client.post(f"{API_PREFIX}/cases", data=b'{"procedure": "\xff"}', headers=bearer(token),
                         content_type="application/json")
    _assert_error_shape(latin1, 400, "invalid_json")
    deep = client.post(f"{API_PREFIX}/cases", data="[" * 200_000, headers=bearer(token),
                       content_type="application/json")
    _assert_error_shape(deep, 400, "invalid_json")
    array = client.post(f"{API_PREFIX}/cases", json=[1, 2], headers=bearer(token))
    _assert_error_shape(array, 422, "validation_error")
    assert container.engine.cases(SYSTEM).total == 0


def test_huge_json_body_is_refused_with_413(client, token, deployed, container):
    body = {"procedure": "DEMO", "data": {"reason": "x" * (2 * 1024 * 1024)}}
    response = client.post(f"{API_PREFIX}/cases", json=body, headers=bearer(token))
    _assert_error_shape(response, 413, "payload_too_large")
    assert response.json["details"] == {"max_bytes": 1024 * 1024}
    assert container.engine.cases(SYSTEM).total == 0


def test_upload_bigger_than_the_configured_limit_is_refused_with_413(app, client, make_user):
    owner = make_user("chuquytrinh", ("process_owner", None))
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    upload = {"file": (io.BytesIO(b"<x/>" * 10_000), "QT99.bpmn")}
    response = client.post(f"{API_PREFIX}/procedures", data=upload, headers=bearer(owner),
                           content_type="multipart/form-data")
    _assert_error_shape(response, 413, "payload_too_large")


def test_routing_errors_are_json(client, token):
    _assert_error_shape(client.get(f"{API_PREFIX}/khong-co", headers=bearer(token)), 404, "not_found")
    _assert_error_shape(client.get("/khong-co-trang-nay"), 404, "not_found")
    wrong_method = client.delete(f"{API_PREFIX}/cases", headers=bearer(token))
    _assert_error_shape(wrong_method, 405, "method_not_allowed")
    assert wrong_method.json["details"]["allowed"] == ["GET", "HEAD", "OPTIONS", "POST"]
    assert "POST" in wrong_method.headers["Allow"]


def test_ids_out_of_range_or_odd_are_simply_not_found(client, token):
    for path in ("/cases/99999999999999999999999", "/cases/0", "/cases/-1", "/cases/abc",
                 "/tasks/..%2F..%2Fetc%2Fpasswd", "/tasks/' OR '1'='1", "/procedures/%00"):
        response = client.get(API_PREFIX + path, headers=bearer(token))
        _assert_error_shape(response, 404, "not_found")


def test_crash_inside_a_view_is_a_json_500_without_internals(container):
    from app.factory import create_app

    crashing = create_app(container=container)

    @crashing.route("/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret connection string postgresql://user:pw@db")

    response = crashing.test_client().get("/boom")
    _assert_error_shape(response, 500, "internal_error")
    assert b"secret" not in response.data and b"Traceback" not in response.data


def test_upload_refused_for_non_owners_and_without_a_file(client, make_user, token):
    clerk = make_user("cv1", ("clerk", "PDT"))
    upload = {"file": (io.BytesIO(b"<x/>"), "QT99.bpmn")}
    refused = client.post(f"{API_PREFIX}/procedures", data=upload, headers=bearer(clerk),
                          content_type="multipart/form-data")
    _assert_error_shape(refused, 403, "forbidden")
    owner = make_user("chuquytrinh", ("process_owner", None))
    empty = client.post(f"{API_PREFIX}/procedures", data={}, headers=bearer(owner),
                        content_type="multipart/form-data")
    _assert_error_shape(empty, 422, "no_file")
    as_json = client.post(f"{API_PREFIX}/procedures", json={"file": "x"}, headers=bearer(owner))
    _assert_error_shape(as_json, 415, "unsupported_media_type")


def test_nul_characters_are_refused_before_reaching_the_database(client, token, deployed, container):
    # PostgreSQL cannot store U+0000 in text or JSON: refused up front on every database.
    body = client.post(f"{API_PREFIX}/cases", json={"procedure": "DEMO", "data": {"reason": "abc\u0000def"}},
                       headers=bearer(token))
    _assert_error_shape(body, 422, "nul_character")
    key = client.post(f"{API_PREFIX}/cases", json={"procedure": "DEMO", "data": {"re\u0000ason": "abc"}},
                      headers=bearer(token))
    _assert_error_shape(key, 422, "nul_character")
    login = client.post(f"{API_PREFIX}/auth/login", json={"username": "sv1\u0000", "password": "x" * 8})
    _assert_error_shape(login, 422, "nul_character")
    query = client.get(f"{API_PREFIX}/cases?procedure=QT%00", headers=bearer(token))
    _assert_error_shape(query, 422, "nul_character")
    assert container.engine.cases(SYSTEM).total == 0
