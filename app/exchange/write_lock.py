"""Whether SQLite's write lock is free at this moment: so that a receiver can go on reading ahead
instead of queueing for it.

Why: on SQLite every store transaction holds the file's one write lock (``BEGIN IMMEDIATE``) for as
long as it starts its cases, several milliseconds per document. With two receivers, the one that
finds the lock taken used to sleep until it was free, with nothing else to do after the few packages
it had read ahead; one of the machine's two cores then sat idle for most of the other's transaction.
A receiver that asks first can fetch, read and hand attachments to its validator for its next group
meanwhile, and store when its turn comes.

The answer is a hint, never a guarantee: the lock may be taken between the question and the store,
which then waits for it as before. On PostgreSQL (row locks, no file lock) the answer is always yes.
"""

from __future__ import annotations

import sqlite3
from typing import Any


class WriteLockProbe:
    """``free()``: whether a ``BEGIN IMMEDIATE`` would succeed now, asked on a connection of its own."""

    def __init__(self, db: Any) -> None:
        self._path = db.url.database if db.dialect.name == "sqlite" else None
        self._connection: sqlite3.Connection | None = None

    def free(self) -> bool:
        if not self._path or self._path == ":memory:":
            return True
        try:
            connection = self._conn()
            connection.execute("BEGIN IMMEDIATE")  # timeout 0: answers at once, never waits
        except sqlite3.OperationalError:
            return False  # held by another writer (or the file cannot be opened: let the store say why)
        connection.execute("ROLLBACK")
        return True

    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = sqlite3.connect(self._path, timeout=0, isolation_level=None,
                                               check_same_thread=False)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
