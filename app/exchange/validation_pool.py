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
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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


class ValidationPool:
    """``(name, data) -> verdict`` like :func:`security.attachment_validator`, plus ``submit`` for futures.

    ``processes``: worker processes (1 leaves the other core of a two-core server to the receiver).
    """

    def __init__(self, trust_store: Any, *, policy: str = "strict", offline: bool = True, processes: int = 1) -> None:
        self._local = pdf_validator(trust_store, policy=policy, offline=offline)
        self._start = (trust_store, policy, offline, max(1, processes))
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False

    def warm_up(self) -> ValidationPool:
        """Start the workers now (they import pyHanko: about a second), not when the first PDF arrives."""
        executor = self._pool()
        if executor is not None:
            executor.submit(_validate, "warm-up.txt", b"").result()
        return self

    def _pool(self) -> ProcessPoolExecutor | None:
        if self._executor is None and not self._closed:
            trust_store, policy, offline, processes = self._start
            self._executor = ProcessPoolExecutor(
                max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker, initargs=(_portable(trust_store), policy, offline, os.getpid(),
                                                   logging.getLogger().getEffectiveLevel(),
                                                   logging.root.manager.disable))
        return self._executor

    def __call__(self, name: str, data: bytes) -> dict[str, Any]:
        return self.submit(name, data).result()

    def submit(self, name: str, data: bytes) -> Future:
        if not data.startswith(b"%PDF-"):
            return _done(self._local, name, data)  # not worth a trip to the worker
        executor = self._pool()
        if executor is not None:
            try:
                return _Fallback(executor.submit(_validate, name, data), self, name, data)
            except (BrokenProcessPool, RuntimeError):
                self._broken()
        return _done(self._local, name, data)

    def validate_here(self, name: str, data: bytes) -> dict[str, Any]:
        return self._local(name, data)

    def _broken(self) -> None:
        if self._executor is not None:
            log.warning("attachment validation pool broken; validating in the receiver's process from now on")
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor, self._closed = None, True

    def close(self) -> None:
        self._closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

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
