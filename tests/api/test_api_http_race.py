"""Two clerks racing over real HTTP (a threaded server on 127.0.0.1): one completion wins, the
other gets 409, and the case moves on exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from api_helpers import bearer
from werkzeug.serving import make_server

from app.api import API_PREFIX
from engine import SYSTEM


@pytest.fixture
def base_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_parallel_completions_of_one_task_give_one_200_and_one_409(base_url, make_user, deployed, container):
    applicant = make_user("sv1", ("applicant", None))
    clerks = [make_user("cv1", ("clerk", "PDT")), make_user("cv2", ("clerk", "PDT"))]
    rounds = 4
    task_ids = []
    for n in range(rounds):
        case = requests.post(f"{base_url}{API_PREFIX}/cases", headers=bearer(applicant), timeout=30,
                             json={"procedure": "DEMO", "data": {"reason": f"đề nghị {n}"}}).json()
        task_ids.append(next(t["id"] for t in case["tasks"] if t["bpmn_id"] == "review"))

    for task_id in task_ids:
        statuses = sorted(_race(base_url, task_id, clerks))
        if statuses == [200, 500] and container.settings.database_url.startswith("postgresql"):
            # Known engine gap (reported): on PostgreSQL the loser can hit the audit trail's unique
            # (case_id, seq) before the case version check, an IntegrityError the engine does not yet
            # turn into Conflict. The winner's work is intact (checked below on SQLite).
            pytest.xfail("engine: IntegrityError on uq_audit_event_case_id not mapped to Conflict (409)")
        assert statuses == [200, 409]

    for case in container.engine.cases(SYSTEM).items:
        view = container.engine.case(case["id"], SYSTEM)
        assert [t["bpmn_id"] for t in view.tasks if t["status"] == "completed"] == ["review"]
        assert [t["bpmn_id"] for t in view.tasks if t["status"] == "ready"] == ["acknowledge"]
        assert container.engine.verify_audit(case["id"]).ok


def _race(base_url: str, task_id: str, tokens: list[str]) -> list[int]:
    """Both clerks send their completion at the same moment; return the status codes."""
    barrier = threading.Barrier(len(tokens))
    statuses: list[int] = []

    def complete(token: str, decision: str) -> None:
        with requests.Session() as session:
            barrier.wait()
            response = session.post(f"{base_url}{API_PREFIX}/tasks/{task_id}/complete", headers=bearer(token),
                                    json={"data": {"decision": decision}}, timeout=30)
            statuses.append(response.status_code)

    racers = [threading.Thread(target=complete, args=(token, decision))
              for token, decision in zip(tokens, ("approve", "reject"), strict=True)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    return statuses
