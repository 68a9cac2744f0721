"""Slowing down password guessing: too many failed logins per client address or per user name → 429.

Each login attempt costs an argon2 hash (deliberately expensive), so unbounded attempts are both a
guessing channel and a way to burn the server's CPU. The counts live in the worker's memory: with
several gunicorn workers each keeps its own (a guesser gets at most ``workers × limit`` tries per
window), which is enough to stop scripted guessing without a shared store.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class LoginThrottle:
    """Sliding-window counter of failed logins keyed by address and by user name."""

    def __init__(self, max_failures: int = 10, window_seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures, self.window = max_failures, window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> int:
        """Seconds until another attempt is allowed for all ``keys`` (0 = allowed now)."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.max_failures:
                    wait = max(wait, times[0] + self.window - now)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # bound memory under a spray of made-up names
                for key in [k for k, v in self._failures.items() if not v or v[-1] < now - self.window]:
                    del self._failures[key]

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times
