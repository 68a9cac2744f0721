"""PDF attachment validation in a separate process, so the receiver keeps taking in packages meanwhile.

Validating one signed PDF costs more than everything else a received package needs (reading it,
storing it, starting its case, three calls to the axis), and it is pure Python under the GIL: a
thread would not overlap it with anything. A worker process does. The receiver submits every
attachment of a package as soon as it has read the package and found it new, goes on with the
previous package's transaction, and collects the verdict just before storing: each package is still
stored with its verdict, audit event and the clerk's warnings in one transaction, exactly as when
validating in line, so nothing about exactly-once delivery changes.

The worker is started with ``spawn`` (the receiver may run threads: the test hub, SQLAlchemy's pool),
gets the trust store pickled once, and leaves when its parent dies, even by SIGKILL: the fault test
kills exchange workers at random. If the pool breaks (its worker killed), validation falls back to
this process for the rest of the pool's life and says so once in the log.

Why not ``concurrent.futures.ProcessPoolExecutor`` (used before): its hand-over cost the receiver
~0.23 ms CPU per attachment (a manager thread woken for every call and result, a selector rebuilt
each time, a queue feeder thread, call and result items pickled around the payload), a tenth of the
validation itself and all of it on the busy receiver. Here each worker has two pipes: requests,
written by one writer thread (a ~100 KB PDF does not fit a pipe's buffer, and the receiver must not
wait for the worker to read it), and replies, read by whichever caller first asks for a result, which
completes the futures in order (a worker answers its requests one by one, first in first out). About 0.03 ms per
attachment. Results and exceptions arrive as the executor delivered them: the verdict dict, or the
validator's exception with the worker's traceback as its cause; a worker that dies fails its
outstanding futures with ``BrokenProcessPool``, which :class:`_Fallback` turns into validating here.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool, _ExceptionWithTraceback
from typing import Any

from .security import AttachmentValidator, pdf_validator

log = logging.getLogger(__name__)

_validator: AttachmentValidator | None = None


def _portable(trust_store: Any) -> list[tuple[bytes, str, str, str, str]]:
    """The store as plain values: asn1crypto certificates do not survive pickling (they parse lazily)."""
    return [(e.cert.dump(), e.role, e.hierarchy, e.source, e.file) for e in trust_store.entries]


def _rebuilt(entries: list[tuple[bytes, str, str, str, str]]) -> Any:
    from asn1crypto import x509

    from signing.trust.entries import TrustEntry
    from signing.trust.store import TrustStore

    return TrustStore(TrustEntry(x509.Certificate.load(der), role, hierarchy, source, file)
                      for der, role, hierarchy, source, file in entries)


def _start_worker(entries: list[tuple[bytes, str, str, str, str]], policy: str, offline: bool, parent: int,
                  log_level: int, disabled_below: int) -> None:
    global _validator
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s[validation]: %(message)s")
    logging.disable(disabled_below)  # as quiet as the parent
    # pyHanko narrates, with a traceback, every chain it is told not to build (signing.validation builds
    # them); the verdict carries what matters, so only its errors reach the worker's log
    logging.getLogger("pyhanko").setLevel(logging.ERROR)
    _validator = pdf_validator(_rebuilt(entries), policy=policy, offline=offline)
    threading.Thread(target=_leave_with_parent, args=(parent,), daemon=True, name="parent-watch").start()


def _leave_with_parent(parent: int) -> None:
    """An orphaned worker would hold memory and a CPU forever; the parent's death is not signalled to it."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _validate(name: str, data: bytes) -> dict[str, Any]:
    assert _validator is not None, "worker not initialised"
    return _validator(name, data)


def _serve(requests: Any, replies: Any, start: tuple[Any, ...]) -> None:
    """The worker's loop: one reply per request, in order, until the request pipe closes.

    A request is ``(name, data)`` pickled, or, for ``bytes`` data (every attachment), ``(name, None)``
    followed by the data as a message of its own: sent and received without a pickled copy.
    """
    _start_worker(*start)
    while True:
        try:
            name, data = pickle.loads(requests.recv_bytes())
            if data is None:
                data = requests.recv_bytes()
        except EOFError:
            return
        replies.send_bytes(_answer(name, data))


def _request(name: str, data: bytes) -> tuple[bytes, ...]:
    """The messages of one request (see :func:`_serve`)."""
    if type(data) is bytes:
        return pickle.dumps((name, None), pickle.HIGHEST_PROTOCOL), data
    return (pickle.dumps((name, data), pickle.HIGHEST_PROTOCOL),)


def _answer(name: str, data: bytes) -> bytes:
    """``(True, verdict)`` or ``(False, exception)`` pickled, as the executor sent results back."""
    try:
        reply: tuple[bool, Any] = (True, _validate(name, data))
    except BaseException as exc:  # noqa: BLE001 - the caller's future raises it, as the executor's did
        reply = (False, _ExceptionWithTraceback(exc, exc.__traceback__))
    try:
        return pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - an unpicklable verdict or error: say so, as the executor did
        return pickle.dumps((False, _ExceptionWithTraceback(exc, exc.__traceback__)), pickle.HIGHEST_PROTOCOL)


class _Worker:
    """One worker process, its two pipes, and the parent's writer thread.

    Replies are read by whoever asks for a result (:class:`_Reply`), in order, completing every
    earlier future on the way: a reader thread would cost a wake-up and a GIL hand-over per reply.
    """

    def __init__(self, start: tuple[Any, ...]) -> None:
        context = multiprocessing.get_context("spawn")
        their_requests, self._requests = context.Pipe(duplex=False)
        self._replies, their_replies = context.Pipe(duplex=False)
        self.process = context.Process(target=_serve, args=(their_requests, their_replies, start),
                                       name="attachment-validation", daemon=True)
        self.process.start()
        their_requests.close()  # the worker's ends: a dead worker then reads as end of file
        their_replies.close()
        self._outbox: queue.SimpleQueue[tuple[bytes, ...] | None] = queue.SimpleQueue()
        self._pending: deque[_Reply] = deque()
        self._lock = threading.Lock()  # the pending queue and the state
        self._reading = threading.Lock()  # one reader of the reply pipe at a time
        self.broken = False
        threading.Thread(target=self._write, daemon=True, name="validation-writer").start()

    @property
    def load(self) -> int:
        return len(self._pending)

    def submit(self, name: str, data: bytes) -> Future:
        message = _request(name, data)
        future = _Reply(self)
        with self._lock:
            if self.broken:
                raise BrokenProcessPool("the validation worker has died")
            future.set_running_or_notify_cancel()
            self._pending.append(future)
            self._outbox.put(message)
        return future

    def _write(self) -> None:
        while (messages := self._outbox.get()) is not None:
            try:
                for message in messages:
                    self._requests.send_bytes(message)
            except OSError:  # the worker is gone: make sure, so that reading its replies ends
                self.process.terminate()
                break
        self._requests.close()

    def collect(self, future: Future, timeout: float | None) -> None:
        """Read replies until ``future`` is done (or ``timeout`` passes: then it stays pending)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not future.done():
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self._reading.acquire(timeout=-1 if remaining is None else remaining):
                return
            try:
                if future.done():
                    return
                if remaining is not None and not self._replies.poll(max(0.0, deadline - time.monotonic())):
                    return
                self._read_one()
            finally:
                self._reading.release()

    def _read_one(self) -> None:
        try:
            ok, value = pickle.loads(self._replies.recv_bytes())
        except (EOFError, OSError):
            self._fail_pending()
            return
        with self._lock:
            future = self._pending.popleft()
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def _fail_pending(self) -> None:
        """The worker is gone (or has left): what it had not answered fails as the executor's futures did."""
        with self._lock:
            self.broken = True
            pending, self._pending = list(self._pending), deque()
        for future in pending:
            future.set_exception(BrokenProcessPool("the validation worker died with this attachment"))

    def stop(self, wait: bool) -> None:
        """Ask the worker to leave once it has answered what it was sent (``wait``: and wait for that)."""
        with self._lock:
            self.broken = True
        self._outbox.put(None)
        if wait:
            self.process.join()
        elif self.process.is_alive():
            self.process.terminate()


class _Reply(Future):
    """A worker's answer, read from its pipe by the first caller of ``result`` (or ``exception``)."""

    def __init__(self, worker: _Worker) -> None:
        super().__init__()
        self._worker = worker

    def result(self, timeout: float | None = None) -> Any:
        self._worker.collect(self, timeout)
        return super().result(0 if timeout is not None else None)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        self._worker.collect(self, timeout)
        return super().exception(0 if timeout is not None else None)


class _Workers:
    """The running workers."""

    def __init__(self, start: tuple[Any, ...], processes: int) -> None:
        self.workers = [_Worker(start) for _ in range(processes)]

    def submit(self, name: str, data: bytes) -> Future:
        """To the least busy worker; once any worker has died the pool is broken (as the executor was)."""
        if any(w.broken for w in self.workers):
            raise BrokenProcessPool("a validation worker has died")
        return min(self.workers, key=lambda w: w.load).submit(name, data)

    def shutdown(self, wait: bool) -> None:
        for worker in self.workers:
            worker.stop(wait)


class ValidationPool:
    """``(name, data) -> verdict`` like :func:`security.attachment_validator`, plus ``submit`` for futures.

    ``processes``: worker processes (1 leaves the other core of a two-core server to the receiver).
    """

    def __init__(self, trust_store: Any, *, policy: str = "strict", offline: bool = True, processes: int = 1) -> None:
        self._local = pdf_validator(trust_store, policy=policy, offline=offline)
        self._start = (trust_store, policy, offline, max(1, processes))
        self._executor: _Workers | None = None
        self._closed = False
        self._lock = threading.Lock()

    def warm_up(self) -> ValidationPool:
        """Start the workers now (they import pyHanko: about a second), not when the first PDF arrives."""
        executor = self._pool()
        if executor is not None:
            for worker in executor.workers:
                worker.submit("warm-up.txt", b"").result()
        return self

    def worker_processes(self) -> list[Any]:
        """The worker processes running now (none before the first PDF or ``warm_up``, nor once broken):
        for supervision, and for the tests that kill one."""
        with self._lock:
            return [w.process for w in self._executor.workers] if self._executor is not None else []

    def _pool(self) -> _Workers | None:
        with self._lock:
            if self._executor is None and not self._closed:
                trust_store, policy, offline, processes = self._start
                start = (_portable(trust_store), policy, offline, os.getpid(),
                         logging.getLogger().getEffectiveLevel(), logging.root.manager.disable)
                self._executor = _Workers(start, processes)
            return self._executor

    def __call__(self, name: str, data: bytes) -> dict[str, Any]:
        return self.submit(name, data).result()

    def submit(self, name: str, data: bytes) -> Future:
        if not data.startswith(b"%PDF-"):
            return _done(self._local, name, data)  # not worth a trip to the worker
        executor = self._pool()
        if executor is not None:
            try:
                return _Fallback(executor.submit(name, data), self, name, data)
            except (BrokenProcessPool, RuntimeError):
                self._broken()
        return _done(self._local, name, data)

    def validate_here(self, name: str, data: bytes) -> dict[str, Any]:
        return self._local(name, data)

    def _broken(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
            if executor is not None:
                self._closed = True
        if executor is not None:
            log.warning("attachment validation pool broken; validating in the receiver's process from now on")
            executor.shutdown(wait=False)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def __enter__(self) -> ValidationPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Fallback(Future):
    """A worker's future whose ``result`` validates here instead if the worker died on the way."""

    def __init__(self, inner: Future, pool: ValidationPool, name: str, data: bytes) -> None:
        super().__init__()
        self._inner, self._pool, self._name, self._data = inner, pool, name, data

    def result(self, timeout: float | None = None) -> Any:
        try:
            return self._inner.result(timeout)
        except BrokenProcessPool:
            self._pool._broken()
            return self._pool.validate_here(self._name, self._data)


def _done(validator: AttachmentValidator, name: str, data: bytes) -> Future:
    future: Future = Future()
    try:
        future.set_result(validator(name, data))
    except Exception as exc:  # reported by the receipt as the attachment's validation_error
        future.set_exception(exc)
    return future
