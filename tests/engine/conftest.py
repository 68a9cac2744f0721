"""Fixtures for engine tests: a real engine on the test database, accounts, and model deployment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import SYSTEM, Actor, OperatorError

MODELS = Path(__file__).resolve().parents[1] / "fixtures" / "models"
PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def deploy(container: Any, folder: Path) -> Any:
    from engine.modeling import load_model, read_package

    model = load_model(read_package(folder), known_operators=container.registry.names())
    return container.engine.deploy(model, SYSTEM)


class Flaky:
    """A service operator that fails a set number of times, then answers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self, params: dict, ctx: Any) -> dict:
        self.calls += 1
        if self.calls <= self.failures:
            raise OperatorError("Dịch vụ tạm thời không phản hồi", "Service temporarily unavailable")
        return {"echo": params.get("what"), "call": self.calls}


@pytest.fixture
def flaky(container: Any) -> Flaky:
    op = Flaky(failures=0)
    container.registry.register("flaky", op)
    return op


@pytest.fixture
def people(container: Any) -> dict[str, Actor]:
    acc = container.accounts
    spec = {
        "sv1": [("applicant", None)], "sv2": [("applicant", None)],
        "cv1": [("clerk", "PDT")], "cv2": [("clerk", "PDT")], "cv_other": [("clerk", "PKHTC")],
        "ld": [("leader", "BGH")], "po": [("process_owner", None)], "kt": [("auditor", None)],
    }
    for login, roles in spec.items():
        acc.create_user(login, "mat-khau-dai", roles)
    return {login: acc.actor(login) for login in spec}


@pytest.fixture
def three(container: Any, people: dict[str, Actor]) -> Any:
    return deploy(container, MODELS / "three_tasks")
