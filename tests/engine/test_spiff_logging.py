"""The quiet ``Task._set_state`` (engine/runtime/spiff_logging.py) against SpiffWorkflow's own: the same
state changes and, whenever the ``spiff.task`` logger wants them, the same log records."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from SpiffWorkflow.task import Task

from engine.runtime import spiff_logging
from tests.processes.model_runner import PROCESSES_DIR, run_case

RUNS = [("QT13", {}), ("QT74", {"leader_assign": {"assigned_unit": "PDT"}}),
        ("QT13", {"pdt_leader_sign": [{"pdt_leader_decision": "reject", "pdt_leader_comment": "Sai"},
                                      {"pdt_leader_decision": "approve"}]})]


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[Any, ...]] = []

    def emit(self, record: logging.LogRecord) -> None:
        extra = {k: v for k, v in vars(record).items() if k in {
            "workflow_spec", "task_spec", "task_type", "state", "elapsed", "data", "internal_data", "parent"}}
        self.seen.append((record.levelname, record.getMessage(), extra.get("task_spec"), extra.get("state"),
                          extra.get("task_type"), sorted(extra), extra.get("parent") is None))


@pytest.fixture
def spiff_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("spiff.task")
    level = logger.level
    yield logger
    logger.setLevel(level)
    spiff_logging.install()


def _trace(code: str, answers: dict[str, Any], logger: logging.Logger, level: int) -> tuple[list, list]:
    handler = Records()
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        run = run_case(PROCESSES_DIR / code, {k: (list(v) if isinstance(v, list) else dict(v))
                                              for k, v in answers.items()})
    finally:
        logger.removeHandler(handler)
    states = [(t.task_spec.name, t.state, len(t.children)) for t in run.workflow.get_tasks()]
    return handler.seen, states


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.WARNING])
@pytest.mark.parametrize(("code", "answers"), RUNS)
def test_states_and_records_are_those_of_spiffworkflow(spiff_logger, code, answers, level):  # type: ignore[no-untyped-def]
    assert spiff_logging.install() and Task._set_state is spiff_logging.set_state
    quiet = _trace(code, answers, spiff_logger, level)
    spiff_logging.uninstall()
    original = _trace(code, answers, spiff_logger, level)
    assert quiet == original
    assert bool(quiet[0]) == (level < logging.WARNING)


def test_left_alone_on_another_release_or_when_someone_else_replaced_it(spiff_logger, monkeypatch):  # type: ignore[no-untyped-def]
    spiff_logging.uninstall()
    monkeypatch.setattr(spiff_logging, "_version", lambda: "3.3.0")
    assert not spiff_logging.install() and Task._set_state is spiff_logging.ORIGINAL_SET_STATE
    monkeypatch.setattr(spiff_logging, "_version", lambda: spiff_logging.PINNED)
    assert spiff_logging.install() and spiff_logging.install()
    assert Task._set_state is spiff_logging.set_state
