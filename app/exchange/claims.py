"""Which of an installation's receivers takes which waiting package, when several run at once.

The axis lists every waiting package to every receiver of a system, and its ``processing`` status is
a lease, not a lock: two receivers could both set it. Correctness never depends on this module (the
unique key on ``received_package`` makes the second store of a package a ``duplicate``), but without
it every receiver would fetch, read, validate and start a case for the same packages and all but
one transaction would roll back: N receivers would do the work of one, N times.

On PostgreSQL a receiver claims a package with a session advisory lock on its DocId before fetching
it and releases it after the acknowledgement. A receiver that dies mid-way loses its database
session and with it the lock, so the package is listed and claimed again by another receiver. On
SQLite a lone receiver's claims all succeed; receivers given shares also lock what they claim (below).

Shares (``share=(i, n)``, ``--share i/n`` for the runner): receiver *i* of *n* takes the DocIds whose
hash falls in its share first, so receivers split the work without fetching anything twice. Most of
a receiver's time is outside its write transaction (fetching, reading, acknowledging, waiting for the
validator), so two receivers on SQLite overlap even though their transactions take turns. On
PostgreSQL, shares also spare the receivers the stale-list duplicates advisory locks let through.
Run each receiver under a supervisor that restarts it (systemd, a container restart policy).

A receiver whose share has nothing waiting takes from the others' shares, from the end of the list (their
owners work from the front), where a claim is a lock that keeps two receivers off one package: advisory
locks on PostgreSQL; on SQLite, open-file-description locks (``F_OFD_SETLK``, Linux) on one byte per DocId
of a file beside the database, which the kernel drops when the receiver dies, as PostgreSQL drops a dead
session's locks. Why: the DocIds' hashes split a batch unevenly (187 and 213 of 400 in one benchmark run),
and the receiver left with the larger share used to finish alone while the other polled an empty share;
for the same reason a share whose receiver is down is no longer left waiting. A package stolen late may
already be stored and released by its owner, which the unique key turns into a ``duplicate``, as with any
stale list.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import struct
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text


class Claims:
    """``candidates(waiting)`` to know what to try, ``try_claim(doc_id, steal)`` before fetching,
    ``release(doc_id)`` after acknowledging."""

    def __init__(self, db: Any, share: tuple[int, int] = (0, 1)) -> None:
        index, count = share
        if count < 1 or not 0 <= index < count:
            raise ValueError(f"share {index}/{count}: expected 0 <= i < n")
        self._db = db
        self._connection: Any = None
        self.share = (index, count)
        self.enabled = db.dialect.name == "postgresql"
        self._file = FileClaims.beside(db) if count > 1 and not self.enabled else None

    @property
    def can_steal(self) -> bool:
        """Whether a claim keeps every other receiver off its package (see the module's docstring)."""
        return self.enabled or self._file is not None

    def candidates(self, waiting: Sequence[str]) -> list[tuple[str, bool]]:
        """``(doc_id, steal)`` to try in order: this receiver's share as listed; when the list holds none of
        it and claims are locks, the others' shares from the end of the list (``steal``)."""
        index, count = self.share
        own = [(d, False) for d in waiting if count == 1 or _key(d) % count == index]
        if own or not self.can_steal:
            return own
        return [(d, True) for d in reversed(waiting)]

    def try_claim(self, doc_id: str, steal: bool = False) -> bool:
        index, count = self.share
        if count > 1 and _key(doc_id) % count != index and not (steal and self.can_steal):
            return False  # another receiver's share
        if self._file is not None:
            return self._file.try_lock(_key(doc_id))
        if not self.enabled:
            return True
        return bool(self._conn().execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(doc_id)}).scalar())

    def release(self, doc_id: str) -> None:
        if self._file is not None:
            self._file.unlock(_key(doc_id))
        if self.enabled and self._connection is not None:
            self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key(doc_id)})

    def _conn(self) -> Any:
        # its own autocommit connection: the locks must outlive the store transactions in between
        if self._connection is None:
            self._connection = self._db.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._connection is not None:
            # the pool keeps the session open, and with it any lock still held: drop them first
            self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
            self._connection.close()
            self._connection = None


def _key(doc_id: str) -> int:
    """A signed 64-bit key from the DocId (PostgreSQL's advisory lock space is one bigint)."""
    return int.from_bytes(hashlib.sha256(f"axis-receive:{doc_id}".encode()).digest()[:8], "big", signed=True)


class FileClaims:
    """Exclusive, non-waiting locks on one byte per key of a file, owned by this open file (``F_OFD_SETLK``):
    two receivers exclude each other even inside one process, closing the file releases only its own
    locks, and the kernel releases them when the process dies."""

    _OFFSET_MASK = (1 << 62) - 1

    def __init__(self, path: str) -> None:
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    @classmethod
    def beside(cls, db: Any) -> FileClaims | None:
        """Claims for an SQLite database file (``<file>-claims``); None where there is no file or no OFD locks."""
        path = db.url.database if db.dialect.name == "sqlite" else None
        if not path or path == ":memory:" or not hasattr(fcntl, "F_OFD_SETLK"):
            return None
        return cls(f"{path}-claims")

    def try_lock(self, key: int) -> bool:
        try:
            self._set(fcntl.F_WRLCK, key)
        except OSError:  # EAGAIN / EACCES: another receiver holds it
            return False
        return True

    def unlock(self, key: int) -> None:
        self._set(fcntl.F_UNLCK, key)

    def _set(self, kind: int, key: int) -> None:
        if self._fd is None:
            raise RuntimeError("claims file closed")
        # struct flock: l_type, l_whence, l_start, l_len, l_pid (0 for OFD locks), native layout
        request = struct.pack("hhqqi4x", kind, os.SEEK_SET, key & self._OFFSET_MASK, 1, 0)
        fcntl.fcntl(self._fd, fcntl.F_OFD_SETLK, request)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
