"""What procedures need keeps working: arithmetic, dates, decimals, comprehensions, f-strings."""

from __future__ import annotations

import threading

import pytest

from engine.errors import ScriptBlocked
from engine.scripting import HELPERS, SandboxEnvironment, SandboxLimits
from engine.scripting.compiler import compile_source


@pytest.fixture
def env() -> SandboxEnvironment:
    return SandboxEnvironment(SandboxLimits(time_limit_s=0.3))


def test_typical_procedure_script(env):
    data = {"applicant": {"name": "Nguyễn Văn A", "scores": [7.5, 8.0, 9.25]}, "copies": 3}
    env.execute(
        "scores = applicant['scores']\n"
        "average = round(sum(scores) / len(scores), 2)\n"
        "passed = all(s >= 5 for s in scores)\n"
        "fee = str(Decimal('15000') * copies)\n"
        "by_rank = sorted(scores, key=lambda s: -s)\n"
        "index = {i: s for i, s in enumerate(scores)}\n"
        "title = f\"{applicant['name'].upper()} - {average:.2f}\"\n"
        "deadline = (datetime(2026, 5, 4, 8, 0, tzinfo=timezone(timedelta(hours=7))) + timedelta(days=5)).isoformat()\n"
        "try:\n    bad = int('x')\nexcept ValueError:\n    bad = None\n"
        "copies += 1\n"
        "items = list(range(3)) + [9]\n"
        "first, *rest = items\n",
        data)
    assert data["average"] == 8.25
    assert data["passed"] is True
    assert data["fee"] == "45000"
    assert data["by_rank"] == [9.25, 8.0, 7.5]
    assert data["index"] == {0: 7.5, 1: 8.0, 2: 9.25}
    assert data["title"] == "NGUYỄN VĂN A - 8.25"
    assert data["deadline"] == "2026-05-09T08:00:00+07:00"
    assert data["bad"] is None and data["copies"] == 4
    assert data["items"] == [0, 1, 2, 9] and data["rest"] == [1, 2, 9]


def test_functions_defined_by_a_script_do_not_stay_in_task_data(env):
    data = {}
    env.execute("def double(v):\n    return v * 2\nresult = double(21)", data)
    assert data == {"result": 42}


def test_external_context_is_visible_but_not_left_behind(env):
    data = {"a": 1}
    env.execute("b = a + shared", data, external_context={"shared": 10})
    assert data == {"a": 1, "b": 11}
    assert env.evaluate("a + shared", {"a": 1}, {"shared": 2}) == 3


def test_task_data_may_shadow_helper_names(env):
    assert env.evaluate("date == '2026-01-01' and type == 'A'", {"date": "2026-01-01", "type": "A"})


def test_isinstance_works_with_the_counting_helpers(env):
    assert env.evaluate("isinstance(v, (list, tuple)) and isinstance(d, dict)", {"v": [1], "d": {}})


def test_helpers_are_a_closed_list():
    assert {"open", "getattr", "type", "__import__", "eval", "exec"}.isdisjoint(HELPERS)
    assert {"datetime", "date", "timedelta", "Decimal", "len", "min", "max", "sum", "sorted"} <= set(HELPERS)


def test_compiled_code_is_cached_by_source():
    assert compile_source("a + 1", "eval") is compile_source("a + 1", "eval")


def test_time_limit_is_configurable_and_stops_in_time():
    import time
    env = SandboxEnvironment(SandboxLimits(time_limit_s=0.05))
    started = time.perf_counter()
    with pytest.raises(ScriptBlocked):
        env.execute("n = 0\nwhile True:\n    n += 1", {})
    assert time.perf_counter() - started < 0.5


def test_endless_loop_is_stopped_in_a_worker_thread(env):
    """The engine runs in Flask threads and gunicorn workers, where SIGALRM cannot be used."""
    outcome = {}

    def worker():
        try:
            env.execute("while True:\n    pass", {})
        except ScriptBlocked as blocked:
            outcome["reason"] = blocked.details["reason"]

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert outcome == {"reason": "script_timeout"}


def test_concurrent_runs_keep_separate_budgets(env):
    """A quick script in one thread is not charged for an endless loop in another."""
    results = {}

    def slow():
        try:
            env.execute("while True:\n    pass", {})
        except ScriptBlocked:
            results["slow"] = "blocked"

    def quick():
        data = {}
        for _ in range(200):
            env.execute("v = sum(range(1000))", data)
        results["quick"] = data["v"]

    threads = [threading.Thread(target=slow), threading.Thread(target=quick)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=5)
    assert results == {"slow": "blocked", "quick": 499500}
