"""Password guessing is slowed down: repeated failed logins get 429 with Retry-After."""

from __future__ import annotations

from api_helpers import PASSWORD

from app.api import API_PREFIX
from app.api.throttle import LoginThrottle
from app.api.views.accounts import THROTTLE_KEY


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_counts_failures_in_a_sliding_window():
    clock = FakeClock()
    throttle = LoginThrottle(max_failures=3, window_seconds=60, clock=clock)
    for _ in range(2):
        throttle.failed("addr:1", "user:a")
    assert throttle.retry_after("addr:1", "user:a") == 0
    throttle.failed("addr:1", "user:a")
    assert throttle.retry_after("addr:1") == 61 and throttle.retry_after("user:a") == 61
    assert throttle.retry_after("addr:2", "user:b") == 0
    clock.now += 30
    assert 0 < throttle.retry_after("user:a") <= 31
    clock.now += 31
    assert throttle.retry_after("addr:1", "user:a") == 0
    throttle.failed("user:c")
    throttle.succeeded("user:c")
    assert throttle.retry_after("user:c") == 0


def test_repeated_failed_logins_are_answered_429(app, client, make_user):
    app.extensions[THROTTLE_KEY] = LoginThrottle(max_failures=3, window_seconds=300)
    make_user("sv1", ("applicant", None))
    for _ in range(3):
        wrong = client.post(f"{API_PREFIX}/auth/login", json={"username": "sv1", "password": "doan-mo-123"})
        assert wrong.status_code == 401
    blocked = client.post(f"{API_PREFIX}/auth/login", json={"username": "sv1", "password": PASSWORD})
    assert blocked.status_code == 429 and blocked.json["code"] == "too_many_attempts"
    assert 0 < int(blocked.headers["Retry-After"]) <= 300
    assert blocked.json["message"].startswith("Đăng nhập sai quá nhiều lần")
    assert "token" not in blocked.json
    # the same address trying other names is held back as well
    other = client.post(f"{API_PREFIX}/auth/login", json={"username": "cv1", "password": "doan-mo-123"})
    assert other.status_code == 429
