"""validate_pdf on one event loop per thread (signing.validation.running) behaves as asyncio.run did."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import pytest

from signing.validation import running, validate_pdf


def test_reports_identical_to_asyncio_run(signed_bb, test_store):
    from signing.validation import async_validate_pdf

    at = dt.datetime.now(dt.UTC)
    for policy in ("strict", "lenient"):
        expected = asyncio.run(async_validate_pdf(signed_bb, trust_store=test_store, at=at, policy=policy,
                                                  offline=True)).to_dict()
        assert validate_pdf(signed_bb, trust_store=test_store, at=at, policy=policy, offline=True).to_dict() == expected


def test_several_threads_each_on_their_own_loop(signed_bb, test_store):
    at = dt.datetime.now(dt.UTC)
    expected = validate_pdf(signed_bb, trust_store=test_store, at=at, policy="lenient", offline=True).to_dict()
    loops = set()
    lock = threading.Lock()

    def validate(_: int) -> dict:
        with lock:
            loops.add(id(running._thread_loop()))
        return validate_pdf(signed_bb, trust_store=test_store, at=at, policy="lenient", offline=True).to_dict()

    with ThreadPoolExecutor(4) as pool:
        reports = list(pool.map(validate, range(24)))
    assert all(r == expected for r in reports)
    assert len(loops) == 4


def test_the_loop_is_kept_for_the_thread():
    async def which():
        return asyncio.get_running_loop()

    assert running.run(which()) is running.run(which())


def test_refused_inside_a_running_loop_as_asyncio_run_is(signed_bb, test_store):
    async def inside():
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the refused coroutine is closed, not left un-awaited
            validate_pdf(signed_bb, trust_store=test_store, offline=True)

    with pytest.raises(RuntimeError, match="cannot be called from a running event loop"):
        asyncio.run(inside())


def test_errors_propagate_and_the_loop_stays_usable():
    async def fails():
        raise ValueError("boom")

    async def works():
        return 42

    with pytest.raises(ValueError, match="boom"):
        running.run(fails())
    assert running.run(works()) == 42


def test_tasks_left_behind_are_cancelled_and_async_generators_closed():
    events = []

    async def forever():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise

    async def numbers():
        try:
            yield 1
            yield 2
        finally:
            events.append("generator closed")

    async def leaves_things_behind():
        asyncio.get_running_loop().create_task(forever())
        generator = numbers()
        assert await generator.__anext__() == 1
        await asyncio.sleep(0)
        leaves_things_behind.generator = generator  # still referenced: only the loop can close it
        return "done"

    assert running.run(leaves_things_behind()) == "done"
    assert sorted(events) == ["cancelled", "generator closed"]
    assert not asyncio.all_tasks(running._thread_loop())

    async def generator_later():  # later async generators still work (no shutdown_asyncgens warning)
        async def one():
            yield 1
        return [x async for x in one()]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert running.run(generator_later()) == [1]


def test_a_real_suspension_completes():
    async def waits():
        await asyncio.sleep(0.01)
        return await asyncio.get_running_loop().run_in_executor(None, lambda: "from a thread")

    assert running.run(waits()) == "from a thread"


def test_a_thread_gets_a_new_loop_after_its_loop_was_closed():
    async def which():
        return asyncio.get_running_loop()

    first = running.run(which())
    first.close()
    second = running.run(which())
    assert second is not first and not second.is_closed()


def test_a_finished_thread_s_loop_is_closed():
    import gc

    async def which():
        return asyncio.get_running_loop()

    seen = []
    worker = threading.Thread(target=lambda: seen.append(running.run(which())))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        worker.start()
        worker.join()
        gc.collect()
    assert seen[0].is_closed()
