"""The validators' shared memory: bounded, least recently used forgotten first, falsy values kept."""

from __future__ import annotations

import threading

from signing.validation.memo import Memo


def test_the_least_recently_used_entry_goes_first_and_the_bound_holds() -> None:
    memo: Memo[str, int] = Memo(2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # "a" is now the most recent
    memo.put("c", 3)
    assert (memo.get("a"), memo.get("b"), memo.get("c"), len(memo)) == (1, None, 3, 2)
    memo.clear()
    assert len(memo) == 0 and memo.get("a") is None


def test_a_remembered_false_is_an_answer_not_a_miss() -> None:
    memo: Memo[tuple[bytes, bytes], bool] = Memo(4)
    memo.put((b"x", b"y"), False)
    assert memo.get((b"x", b"y")) is False


def test_threads_putting_at_once_never_exceed_the_bound() -> None:
    memo: Memo[int, int] = Memo(50)

    def fill(base: int) -> None:
        for i in range(2000):
            memo.put(base + i, i)
            memo.get(base + i // 2)

    threads = [threading.Thread(target=fill, args=(n * 10_000,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(memo) == 50
