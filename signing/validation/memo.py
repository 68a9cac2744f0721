"""A bounded, thread-safe memory of results, forgetting the least recently used first.

Validation remembers several pure results across documents (a certificate's report line, its
revocation sources, pyHanko's extraction and checks per content, path checks per trust store): a
signer's next document carries the same certificates. Each needs the same three things, a lock
(validators run in threads), a bound (a hostile stream of new certificates must not grow memory)
and recency (the signers seen lately stay); this is them, once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """``get`` / ``put`` / ``clear`` over at most ``size`` entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The remembered value (now the most recent), or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
