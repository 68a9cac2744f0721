"""The local hub's own SQLite database: registered systems, messages, per-recipient deliveries, log.

Deliberately not the application's database or metadata: the hub stands in for the national axis,
an outside system, and must be runnable (and wiped) on its own.

Delivery is at least once. A delivery is listed to its recipient until acknowledged ``done``;
``fail`` lists it again at once; ``processing`` is a lease that hides it for ``lease_seconds``, after
which a receiver that died mid-way sees it again. The same sender sending the same bytes twice gets
the same DocId back, which makes ``sendEdoc`` retries safe.

The log is hash-chained (each row stores SHA-256 of the previous row's hash and its own content),
after X-Road's message log: rewriting history breaks the chain, and ``verify_log`` says where.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

VIETNAM = timezone(timedelta(hours=7))

SCHEMA = """
CREATE TABLE IF NOT EXISTS systems (
    system_id TEXT PRIMARY KEY, agency_code TEXT NOT NULL, routing_key TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '', secret TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY, sender_key TEXT NOT NULL, sender_system TEXT NOT NULL, message_type TEXT NOT NULL,
    service_type TEXT NOT NULL, sha256 TEXT NOT NULL, document_id TEXT NOT NULL, subject TEXT NOT NULL,
    notation TEXT NOT NULL, created_time TEXT NOT NULL,
    UNIQUE (sender_key, sha256));
CREATE TABLE IF NOT EXISTS packages (
    message_id TEXT PRIMARY KEY REFERENCES messages(id), package BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    message_id TEXT NOT NULL REFERENCES messages(id), recipient_key TEXT NOT NULL, status TEXT NOT NULL,
    updated_time TEXT NOT NULL, fetch_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (message_id, recipient_key));
CREATE INDEX IF NOT EXISTS deliveries_by_recipient ON deliveries (recipient_key, status);
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, system_id TEXT NOT NULL, action TEXT NOT NULL,
    message_id TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
"""

# Packages live in their own table, apart from the messages' routing columns. When the ~140 KB blob sat
# in ``messages`` (before ``created_time``), every listed row walked the blob's chain of overflow pages
# to reach the columns after it: getReceivedEdocList of 300 pending documents took ~15 ms in SQLite.
# A database written before the split is moved over once, when it is opened (:meth:`HubStore._upgrade`).
_MOVE_PACKAGES_OUT = (
    "CREATE TABLE IF NOT EXISTS packages (message_id TEXT PRIMARY KEY REFERENCES messages(id), package BLOB NOT NULL)",
    "INSERT INTO packages (message_id, package) SELECT id, package FROM messages",
    "ALTER TABLE messages DROP COLUMN package",
)


def _now() -> datetime:
    return datetime.now(VIETNAM).replace(microsecond=0)


def _text(moment: datetime) -> str:
    return moment.isoformat()


@dataclass(frozen=True)
class RegisteredSystem:
    system_id: str
    agency_code: str
    routing_key: str
    name: str
    secret: str


class HubStore:
    def __init__(self, path: str | Path, *, lease_seconds: int = 300) -> None:
        self.path = str(path)
        self.lease = timedelta(seconds=lease_seconds)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        if self.path != ":memory:":
            # WAL with synchronous=NORMAL: a commit survives the hub process being killed (what the fault
            # test does); only a power cut can lose the last commits, and then senders re-send (same DocId)
            # and receivers re-acknowledge. FULL would fsync on every send, fetch and acknowledgement.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._upgrade()
        self._db.executescript(SCHEMA)
        self._systems: dict[str, RegisteredSystem] | None = None  # see _registered
        self._systems_version = -1

    def close(self) -> None:
        self._db.close()

    def _upgrade(self) -> None:
        """Move the packages of a database written before they had their own table (see ``SCHEMA``)."""
        with self._transaction() as db:
            columns = {row["name"] for row in db.execute("PRAGMA table_info(messages)")}
            if "package" in columns:
                for statement in _MOVE_PACKAGES_OUT:
                    db.execute(statement)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One writer at a time (SQLite's rule anyway), committed or rolled back as a whole."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- systems ----------------------------------------------------------------------------

    def register_system(self, system_id: str, agency_code: str, routing_key: str, secret: str, name: str = "") -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO systems VALUES (?, ?, ?, ?, ?) ON CONFLICT(system_id) DO UPDATE SET "
                       "agency_code=excluded.agency_code, routing_key=excluded.routing_key, name=excluded.name, "
                       "secret=excluded.secret", (system_id, agency_code, routing_key, name, secret))
            self._systems = None

    def _registered(self) -> dict[str, RegisteredSystem]:
        """The registered systems, read once and kept (every request needs its system's secret).

        Dropped when this store registers one, and whenever another connection has written to the file
        since they were read (SQLite's ``data_version`` changes then: a second process on the same
        database, an operator's edit), so a changed or removed secret takes effect at the next request,
        as when it was looked up each time. Called with ``self._lock`` held.
        """
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if self._systems is None or version != self._systems_version:
            rows = self._db.execute("SELECT * FROM systems ORDER BY agency_code").fetchall()
            self._systems = {r["system_id"]: RegisteredSystem(**dict(r)) for r in rows}
            self._systems_version = version
        return self._systems

    def system(self, system_id: str) -> RegisteredSystem | None:
        with self._lock:
            return self._registered().get(system_id)

    def systems(self) -> list[RegisteredSystem]:
        with self._lock:
            return list(self._registered().values())

    def known_routing_keys(self) -> set[str]:
        return {s.routing_key for s in self.systems()}

    # -- messages -----------------------------------------------------------------------------

    def store_message(self, *, sender: RegisteredSystem, message_type: str, service_type: str, sha256: str,
                      document_id: str, subject: str, notation: str, package: bytes,
                      recipients: Iterable[str]) -> tuple[str, bool]:
        """Store a message for its recipients; return (DocId, created). Same sender + bytes -> same DocId."""
        now = _text(_now())
        with self._transaction() as db:
            row = db.execute("SELECT id FROM messages WHERE sender_key = ? AND sha256 = ?",
                             (sender.routing_key, sha256)).fetchone()
            if row:
                return row["id"], False
            message_id = str(uuid.uuid4())
            db.execute("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (message_id, sender.routing_key, sender.system_id, message_type, service_type, sha256,
                        document_id, subject, notation, now))
            db.execute("INSERT INTO packages VALUES (?, ?)", (message_id, package))
            for recipient in sorted(set(recipients)):
                db.execute("INSERT INTO deliveries VALUES (?, ?, 'initial', ?, 0)", (message_id, recipient, now))
            self._log(db, sender.system_id, "send", message_id, f"{message_type} sha256={sha256} to={sorted(set(recipients))}")
            return message_id, True

    # the columns of a pending delivery, in the order pending_rows gives them
    PENDING_COLUMNS = ("id", "service_type", "message_type", "sender_key", "recipient_key", "status", "created_time",
                       "updated_time")

    def pending_rows(self, recipient_key: str, message_type: str) -> list[tuple[str, ...]]:
        """Deliveries waiting for ``recipient_key``, oldest first, as plain tuples (``PENDING_COLUMNS``).

        Tuples, not ``sqlite3.Row``: a receiver lists every pending delivery each round, hundreds of rows.
        """
        lease_expired = _text(_now() - self.lease)
        with self._lock:
            cursor = self._db.cursor()
            cursor.row_factory = None
            return cursor.execute(
                "SELECT m.id, m.service_type, m.message_type, m.sender_key, d.recipient_key, d.status, "
                "m.created_time, d.updated_time FROM deliveries d JOIN messages m ON m.id = d.message_id "
                "WHERE d.recipient_key = ? AND m.message_type = ? AND (d.status IN ('initial', 'fail') "
                "OR (d.status = 'processing' AND d.updated_time <= ?)) ORDER BY m.created_time, m.id",
                (recipient_key, message_type, lease_expired)).fetchall()

    def pending_for(self, recipient_key: str, message_type: str) -> list[dict[str, Any]]:
        return [dict(zip(self.PENDING_COLUMNS, row, strict=True)) for row in self.pending_rows(recipient_key, message_type)]

    def fetch(self, message_id: str, recipient_key: str, system_id: str) -> bytes | None:
        with self._transaction() as db:
            row = db.execute("SELECT p.package FROM deliveries d JOIN packages p ON p.message_id = d.message_id "
                             "WHERE d.message_id = ? AND d.recipient_key = ?", (message_id, recipient_key)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE deliveries SET fetch_count = fetch_count + 1 WHERE message_id = ? AND recipient_key = ?",
                       (message_id, recipient_key))
            self._log(db, system_id, "fetch", message_id, recipient_key)
            return bytes(row["package"])

    def acknowledge(self, message_id: str, recipient_key: str, status: str, system_id: str) -> str | None:
        """Set the delivery status; return the previous one (``None`` if no such delivery)."""
        with self._transaction() as db:
            row = db.execute("SELECT status FROM deliveries WHERE message_id = ? AND recipient_key = ?",
                             (message_id, recipient_key)).fetchone()
            if row is None:
                return None
            if row["status"] != "done":
                db.execute("UPDATE deliveries SET status = ?, updated_time = ? WHERE message_id = ? AND recipient_key = ?",
                           (status, _text(_now()), message_id, recipient_key))
                self._log(db, system_id, f"ack:{status}", message_id, recipient_key)
            return row["status"]

    def sent_by(self, sender_key: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT m.id, m.service_type, m.message_type, m.sender_key, m.subject, m.notation, m.created_time, "
                "m.document_id, d.recipient_key, d.status, d.updated_time FROM messages m "
                "JOIN deliveries d ON d.message_id = m.id WHERE m.sender_key = ? ORDER BY m.created_time, m.id, "
                "d.recipient_key", (sender_key,)).fetchall()
        return [dict(r) for r in rows]

    # -- log ----------------------------------------------------------------------------------

    @staticmethod
    def _row_hash(prev_hash: str, time: str, system_id: str, action: str, message_id: str, detail: str) -> str:
        content = "\x1f".join((prev_hash, time, system_id, action, message_id, detail))
        return hashlib.sha256(content.encode("utf-8")).hexdigest()

    def _log(self, db: sqlite3.Connection, system_id: str, action: str, message_id: str, detail: str) -> None:
        last = db.execute("SELECT hash FROM log ORDER BY seq DESC LIMIT 1").fetchone()
        prev_hash = last["hash"] if last else "0" * 64
        time = _text(_now())
        db.execute("INSERT INTO log (time, system_id, action, message_id, detail, prev_hash, hash) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (time, system_id, action, message_id, detail, prev_hash,
                    self._row_hash(prev_hash, time, system_id, action, message_id, detail)))

    def log_entries(self, limit: int = 100) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM log ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in reversed(rows)]

    def verify_log(self) -> int | None:
        """Return the first log sequence number whose chain is broken, or ``None`` if intact."""
        prev_hash = "0" * 64
        with self._lock:
            rows = self._db.execute("SELECT * FROM log ORDER BY seq").fetchall()
        for row in rows:
            expected = self._row_hash(prev_hash, row["time"], row["system_id"], row["action"], row["message_id"],
                                      row["detail"])
            if row["prev_hash"] != prev_hash or row["hash"] != expected:
                return row["seq"]
            prev_hash = row["hash"]
        return None
