"""A receiver whose share is empty takes the others' packages, never one another receiver holds."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.exchange.claims import Claims, FileClaims, _key
from app.exchange.models import ReceivedPackage

from .test_exchange import official_letter
from .test_shares import _fetched_so_far, _twin


def _hold_then_wait(path: str, key: int, held: Any) -> None:
    claims = FileClaims(path)
    assert claims.try_lock(key)
    held.set()
    signal.pause()


def test_file_claims_exclude_each_other_even_in_one_process_and_die_with_their_holder(tmp_path: Path):
    path = str(tmp_path / "q.db-claims")
    first, second = FileClaims(path), FileClaims(path)
    assert first.try_lock(7) and not second.try_lock(7) and second.try_lock(8)
    first.unlock(7)
    assert second.try_lock(7) and not first.try_lock(7)
    second.close()  # its own locks go, nobody else's
    assert first.try_lock(7) and first.try_lock(8)
    first.close()
    held = multiprocessing.get_context("spawn").Event()
    holder = multiprocessing.get_context("spawn").Process(target=_hold_then_wait, args=(path, 9, held))
    holder.start()
    try:
        assert held.wait(30)
        mine = FileClaims(path)
        assert not mine.try_lock(9)
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(10)
        assert mine.try_lock(9), "the kernel dropped the dead receiver's claim"
        mine.close()
    finally:
        if holder.is_alive():
            holder.kill()


def test_candidates_are_the_own_share_then_the_others_from_the_end(container):
    first, second = Claims(container.db, (0, 2)), Claims(container.db, (1, 2))
    ids = [f"doc-{i}" for i in range(20)]
    mine = [d for d in ids if _key(d) % 2 == 0]
    theirs = [d for d in ids if _key(d) % 2 == 1]
    assert first.candidates(ids) == [(d, False) for d in mine]
    assert second.candidates(ids) == [(d, False) for d in theirs]
    assert first.candidates(theirs) == [(d, True) for d in reversed(theirs)]
    assert not first.try_claim(theirs[0]), "not without stealing"
    assert first.try_claim(theirs[0], steal=True)
    assert not second.try_claim(theirs[0]), "held by the receiver that stole it"
    first.release(theirs[0])
    assert second.try_claim(theirs[0])
    first.close()
    second.close()


def test_a_receiver_with_an_empty_share_takes_the_other_share_once(container, exchange, ministry, tmp_path):
    numbers = [str(n) for n in range(40)]
    for number in numbers:
        ministry.send_edoc(official_letter(number))
    waiting = exchange.client.list_received("edoc")
    first, second = _twin(container, exchange, (0, 2)), _twin(container, exchange, (1, 2))
    own = [d for d in waiting if _key(d) % 2 == 0]
    assert first.poll_inbox().received == len(own) and 0 < len(own) < 40
    got = first.poll_inbox()  # nothing of its share left: it takes the other share's
    assert (got.received, got.duplicates, got.errors) == (40 - len(own), 0, [])
    assert second.poll_inbox().received == 0
    fetched = _fetched_so_far(tmp_path / "hub.db")
    assert sorted(fetched) == sorted(waiting), "every package fetched once"
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReceivedPackage)) == 40
    for receiver in (first, second):
        receiver.close()
        receiver.c.dispose()
