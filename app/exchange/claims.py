"""Which of an installation's receivers takes which waiting package, when several run at once.

The axis lists every waiting package to every receiver of a system, and its ``processing`` status is
a lease, not a lock: two receivers could both set it. Correctness never depends on this module (the
unique key on ``received_package`` makes the second store of a package a ``duplicate``), but without
it every receiver would fetch, read, validate and start a case for the same packages and all but
one transaction would roll back: N receivers would do the work of one, N times.

On PostgreSQL a receiver claims a package with a session advisory lock on its DocId before fetching
it and releases it after the acknowledgement. A receiver that dies mid-way loses its database
session and with it the lock, so the package is listed and claimed again by another receiver. On
SQLite every claim succeeds, unless the receivers were given shares.

Shares (``share=(i, n)``, ``--share i/n`` for the runner): receiver *i* of *n* only takes DocIds whose
hash falls in its share, so receivers that cannot see each other's locks (SQLite: no advisory locks)
still split the work without fetching anything twice. Most of a receiver's time is outside its write
transaction (fetching, reading, acknowledging, waiting for the validator), so two receivers on
SQLite overlap even though their transactions take turns (on a 2-core machine that is already
CPU-bound they measured no faster than one). A share is taken by nobody while its receiver is down:
run each under a supervisor that restarts it (systemd, a container restart policy). On PostgreSQL,
shares also spare the receivers the stale-list duplicates advisory locks let through.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import text


class Claims:
    """``try_claim(doc_id)`` before fetching, ``release(doc_id)`` after acknowledging."""

    def __init__(self, db: Any, share: tuple[int, int] = (0, 1)) -> None:
        index, count = share
        if count < 1 or not 0 <= index < count:
            raise ValueError(f"share {index}/{count}: expected 0 <= i < n")
        self._db = db
        self._connection: Any = None
        self.share = (index, count)
        self.enabled = db.dialect.name == "postgresql"

    def try_claim(self, doc_id: str) -> bool:
        index, count = self.share
        if count > 1 and _key(doc_id) % count != index:
            return False  # another receiver's share
        if not self.enabled:
            return True
        return bool(self._conn().execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(doc_id)}).scalar())

    def release(self, doc_id: str) -> None:
        if self.enabled and self._connection is not None:
            self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key(doc_id)})

    def _conn(self) -> Any:
        # its own autocommit connection: the locks must outlive the store transactions in between
        if self._connection is None:
            self._connection = self._db.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            # the pool keeps the session open, and with it any lock still held: drop them first
            self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
            self._connection.close()
            self._connection = None


def _key(doc_id: str) -> int:
    """A signed 64-bit key from the DocId (PostgreSQL's advisory lock space is one bigint)."""
    return int.from_bytes(hashlib.sha256(f"axis-receive:{doc_id}".encode()).digest()[:8], "big", signed=True)
