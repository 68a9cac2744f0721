"""The validation pool's own pipes (instead of a ProcessPoolExecutor): same verdicts, same errors, in order.

Compared with validating in line on many distinct inputs submitted together (signed, tampered,
truncated, not a PDF, garbage after ``%PDF-``), and checked on what the executor did for the
receiver: the validator's exception comes back with its type and message, a dead worker's
outstanding futures fall back to validating here, and a timeout leaves a future pending.
"""

from __future__ import annotations

import os
import signal
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest

from .test_pipeline import tampered


@pytest.fixture(scope="module")
def store(pki: Any) -> Any:
    from signing.trust import default_trust_store

    return default_trust_store().with_extra_anchors(pki.trust_roots_asn1())


@pytest.fixture
def pool(store: Any) -> Any:
    from app.exchange.validation_pool import ValidationPool

    with ValidationPool(store, policy="lenient", offline=True).warm_up() as running:
        yield running


def inputs(signed_pdf: bytes) -> list[tuple[str, bytes]]:
    cases = [("cong-van.pdf", signed_pdf), ("sua.pdf", tampered(signed_pdf)), ("cut.pdf", signed_pdf[:-200]),
             ("note.txt", b"not a pdf"), ("empty.pdf", b"%PDF-"), ("garbage.pdf", b"%PDF-1.7\n" + os.urandom(70_000)),
             ("tên tệp tiếng Việt.pdf", signed_pdf), ("big.pdf", signed_pdf + b"\n%" + b"x" * 300_000)]
    return cases * 4


def test_many_submitted_together_come_back_each_with_its_own_in_line_verdict(pool, store, signed_pdf):
    from app.exchange.security import pdf_validator

    in_line = pdf_validator(store, policy="lenient", offline=True)
    submitted = [(name, data, pool.submit(name, data)) for name, data in inputs(signed_pdf)]
    for name, data, future in reversed(submitted):  # collected out of order: each still gets its own
        assert future.result() == in_line(name, data), name
    assert {f.result()["indication"] for _, _, f in submitted} == {"PASSED", "FAILED", None}


def test_the_validators_exception_comes_back_as_the_executor_delivered_it(monkeypatch):
    """Type, message, and the worker's traceback as the cause (what the receipt reports is str and type)."""
    import pickle
    from concurrent.futures.process import _RemoteTraceback

    from app.exchange import validation_pool

    def failing(name: str, data: bytes) -> dict[str, Any]:
        raise ValueError(f"cannot check {name} ({len(data)} bytes)")

    monkeypatch.setattr(validation_pool, "_validator", failing)
    ok, value = pickle.loads(validation_pool._answer("x.pdf", b"%PDF-1.7"))
    assert ok is False
    assert type(value) is ValueError and str(value) == "cannot check x.pdf (8 bytes)"
    assert isinstance(value.__cause__, _RemoteTraceback) and "cannot check" in str(value.__cause__)
    monkeypatch.setattr(validation_pool, "_validator", lambda name, data: {"name": name, "size": len(data)})
    assert pickle.loads(validation_pool._answer("y.pdf", b"12345")) == (True, {"name": "y.pdf", "size": 5})


def test_requests_carry_bytes_apart_and_anything_else_pickled():
    import pickle

    from app.exchange.validation_pool import _request

    header, data = _request("tên.pdf", b"%PDF-1.7 x")
    assert pickle.loads(header) == ("tên.pdf", None) and data == b"%PDF-1.7 x"
    [only] = _request("a.pdf", bytearray(b"%PDF-"))
    assert pickle.loads(only) == ("a.pdf", bytearray(b"%PDF-"))


def test_a_timeout_leaves_the_future_pending_and_a_later_result_gets_the_verdict(pool, signed_pdf):
    from concurrent.futures import TimeoutError as FutureTimeout

    futures = [pool.submit("cong-van.pdf", signed_pdf) for _ in range(6)]
    with pytest.raises(FutureTimeout):
        futures[-1].result(timeout=0)
    assert [f.result()["indication"] for f in futures] == ["PASSED"] * 6


def test_outstanding_futures_of_a_killed_worker_are_validated_here(pool, store, signed_pdf):
    [worker] = pool.worker_processes()
    futures = [pool.submit("cong-van.pdf", pdf) for pdf in (signed_pdf, tampered(signed_pdf)) * 20]
    os.kill(worker.pid, signal.SIGKILL)
    worker.join(timeout=10)
    assert [f.result()["indication"] for f in futures] == ["PASSED", "FAILED"] * 20
    assert pool._executor is None  # broken: from now on validated here
    assert pool.submit("cong-van.pdf", signed_pdf).result()["indication"] == "PASSED"


def test_a_dead_workers_raw_future_raises_broken_process_pool(store, signed_pdf):
    from app.exchange.validation_pool import ValidationPool

    with ValidationPool(store, policy="lenient", offline=True).warm_up() as pool:
        worker = pool._executor.workers[0]
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.join(timeout=10)
        try:
            future = worker.submit("cong-van.pdf", signed_pdf)
        except BrokenProcessPool:
            return  # already seen dead
        with pytest.raises(BrokenProcessPool):
            future.result(timeout=30)


def test_closing_waits_for_the_worker_to_leave(store):
    from app.exchange.validation_pool import ValidationPool

    pool = ValidationPool(store, policy="lenient", offline=True).warm_up()
    [process] = pool.worker_processes()
    pool.close()
    assert not process.is_alive() and process.exitcode == 0
