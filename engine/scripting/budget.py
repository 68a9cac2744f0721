"""Per-run time and allocation budget, checked by ticks the compiler inserts into the script.

Why not ``sys.settrace``: when a trace function raises, CPython switches tracing off for the whole
thread, so ``while True: try: <endless loop> except: pass`` would catch the first stop and then spin
untraced forever. Why not ``SIGALRM``: it only works in the main thread, and the engine runs in Flask
threads and gunicorn workers. Instead the policy inserts ``_tick_()`` at the top of every ``while``
body, function and lambda body, ``except`` handler and ``finally`` block, and every guarded iteration
(``for`` loops, comprehensions, unpacking) ticks per item. Once the budget is spent every later tick raises again, so no handler can keep the script alive.
The state lives in a thread-local, so concurrent runs in different threads do not interfere.

``tick`` makes no Python-level call of its own (only attribute access and ``perf_counter``): a script
recursing to the interpreter's limit must still be able to record the timeout in its deepest frames,
otherwise every attempt would fail with a RecursionError the script could catch and retry forever.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from time import perf_counter

from . import violations
from .violations import SandboxViolation, Violation


@dataclass(frozen=True)
class SandboxLimits:
    """Bounds for one script or expression run. Procedures need far less than this."""

    time_limit_s: float = 1.0
    #: Longest string/list/tuple a single operation may build, and most elements reachable from one
    #: value counting shared references (what printing, hashing or comparing it would walk).
    max_sequence_length: int = 1_000_000
    #: Largest integer (in bits) an arithmetic operation may build.
    max_int_bits: int = 100_000
    #: Total items (characters or elements) guarded operations may build in one run.
    max_total_items: int = 10_000_000


_CHECK_MASK = 63  # look at the clock every 64 ticks


class Budget:
    """Counts ticks and allocations of one run; remembers the first violation so it sticks."""

    __slots__ = ("limits", "deadline", "ticks", "allocated", "violation", "stop", "timeout_violation")

    def __init__(self, limits: SandboxLimits) -> None:
        self.limits = limits
        self.deadline = perf_counter() + limits.time_limit_s
        self.ticks = 0
        self.allocated = 0
        self.violation: Violation | None = None
        self.stop: SandboxViolation | None = None
        self.timeout_violation = violations.timeout(limits.time_limit_s)

    def charge(self, items: int) -> None:
        """Account for a value of ``items`` elements just built by a guarded operation."""
        self.allocated += items
        if self.allocated > self.limits.max_total_items:
            self.fail(violations.allocation_budget(self.allocated, self.limits.max_total_items))

    def fail(self, violation: Violation) -> None:
        if self.violation is None:
            self.violation = violation
            self.stop = SandboxViolation(violation)
        raise self.stop


_state = threading.local()


def current() -> Budget:
    """The budget of the run on this thread; guards outside a run are a programming error."""
    budget = getattr(_state, "budget", None)
    if budget is None:
        raise RuntimeError("sandbox guard called outside a sandboxed run")
    return budget


@contextmanager
def running(limits: SandboxLimits) -> Iterator[Budget]:
    """Install a fresh budget for the duration of one run (nested runs keep their own)."""
    previous = getattr(_state, "budget", None)
    budget = Budget(limits)
    _state.budget = budget
    try:
        yield budget
    finally:
        _state.budget = previous


def tick() -> None:
    """``_tick_`` as seen by compiled scripts: no nested Python calls, see the module docstring."""
    budget = _state.budget
    if budget.stop is not None:
        raise budget.stop
    budget.ticks += 1
    if not budget.ticks & _CHECK_MASK and perf_counter() > budget.deadline:
        budget.violation = budget.timeout_violation
        budget.stop = SandboxViolation(budget.timeout_violation)
        raise budget.stop
