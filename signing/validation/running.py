"""Running a validation coroutine to completion from synchronous code, on one event loop per thread.

Why: ``validate_pdf`` used ``asyncio.run`` for every document. That creates an event loop (a selector
and a self-pipe), installs and restores a SIGINT handler, and on restoring it Python builds the repr
of the previous handler, which holds the finished task and hence the whole report: ~9 % of the CPU of
validating a 100 KB letter. A thread now keeps one loop and reuses it. What ``asyncio.run`` did
around the coroutine still holds: it refuses to run inside a running loop, tasks the coroutine left
behind are cancelled and waited for before returning, and async generators are finalised. A loop is
never shared between threads or inherited across ``fork`` (its selector and self-pipe would be
shared with the parent); it is closed when its thread ends.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class _ThreadLoop:
    """The calling thread's loop; closed when the thread's local storage goes (the thread ended)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.pid = os.getpid()

    def __del__(self) -> None:
        loop = getattr(self, "loop", None)
        if loop is not None and not loop.is_closed() and not loop.is_running():
            loop.close()


_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    holder: _ThreadLoop | None = getattr(_local, "holder", None)
    if holder is None or holder.pid != os.getpid() or holder.loop.is_closed():
        holder = _local.holder = _ThreadLoop()
    return holder.loop


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)`` without a new loop per call (same refusal inside a running loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        coro.close()
        raise RuntimeError("asyncio.run() cannot be called from a running event loop")
    loop = _thread_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        _finish(loop)


def _finish(loop: asyncio.AbstractEventLoop) -> None:
    """What ``asyncio.run`` does before closing its loop: cancel leftover tasks, close async generators.

    ``loop.shutdown_asyncgens`` itself is not called: it marks the loop so that every later async
    generator warns. The generators it would close are closed the same way here.
    """
    pending = asyncio.all_tasks(loop)
    if pending:
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        for task in pending:
            if not task.cancelled() and task.exception() is not None:
                loop.call_exception_handler({"message": "unhandled exception during validation shutdown",
                                             "exception": task.exception(), "task": task})
    generators = getattr(loop, "_asyncgens", None)
    if generators:
        closing = list(generators)
        generators.clear()
        loop.run_until_complete(_close_generators(loop, closing))


async def _close_generators(loop: asyncio.AbstractEventLoop, closing: list) -> None:
    results = await asyncio.gather(*(g.aclose() for g in closing), return_exceptions=True)
    for result, generator in zip(results, closing, strict=True):
        if isinstance(result, Exception):
            loop.call_exception_handler({"message": f"an error occurred during closing of asynchronous "
                                                    f"generator {generator!r}",
                                         "exception": result, "asyncgen": generator})
