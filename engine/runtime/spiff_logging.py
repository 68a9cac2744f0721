"""SpiffWorkflow's task state changes without building log records nobody receives.

``Task._set_state`` (SpiffWorkflow 3.2.0) formats its message and collects its ``extra`` dict (the
state's name through ``TaskState.get_name``, which builds two dicts per call, the parent looked up,
...) before calling ``logger.info``/``logger.debug``, which then drop the record unless the
``spiff.task`` logger is enabled for that level: about 4 % of a received document's case start. The
replacement below is the same code with each log call behind ``isEnabledFor`` of its level, so a
state change does exactly what it did and emits exactly the records it did when they are wanted.

SpiffWorkflow creates its tasks with ``Task(...)`` itself, so there is no subclass to hand it: the
method is replaced on the class, once, only on the pinned version whose code this copies
(tests/engine/test_spiff_logging.py compares states and records with the original).
"""

from __future__ import annotations

import importlib.metadata
import logging
from typing import Any

from SpiffWorkflow import task as _task_module
from SpiffWorkflow.task import Task, TaskState

#: The SpiffWorkflow release whose ``Task._set_state`` this module reproduces.
PINNED = "3.2.0"
ORIGINAL_SET_STATE = Task._set_state
_logger = _task_module.logger


def set_state(self: Task, value: int) -> None:
    """``Task._set_state`` of SpiffWorkflow 3.2.0, its log records built only when they are emitted."""
    if value != self.state:
        elapsed = _task_module.time.time() - self.last_state_change
        self.last_state_change = _task_module.time.time()
        self._state = value
        if _logger.isEnabledFor(logging.INFO):
            _logger.info(f'State changed to {TaskState.get_name(value)}',
                         extra=self.collect_log_extras({'elapsed': elapsed}))
    elif _logger.isEnabledFor(logging.DEBUG):
        _logger.debug(f'State set to {TaskState.get_name(value)}', extra=self.collect_log_extras())


def install() -> bool:
    """Put :func:`set_state` in place on the pinned SpiffWorkflow (idempotent); whether it is in place."""
    if Task._set_state is set_state:
        return True
    if Task._set_state is not ORIGINAL_SET_STATE or _version() != PINNED:
        return False  # another release, or someone else replaced it: leave SpiffWorkflow as it is
    Task._set_state = set_state  # type: ignore[method-assign]
    return True


def uninstall() -> None:
    """Back to SpiffWorkflow's own method (tests compare both)."""
    Task._set_state = ORIGINAL_SET_STATE  # type: ignore[method-assign]


def _version() -> Any:
    try:
        return importlib.metadata.version("SpiffWorkflow")
    except importlib.metadata.PackageNotFoundError:
        return None


install()
