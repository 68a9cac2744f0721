"""The hub's store keeps packages apart from the messages' routing columns, and opens older files."""

from __future__ import annotations

import hashlib
import sqlite3

from connectors.axis import HubStore, routing_key

# The layout before packages had their own table: the blob sat in ``messages``, before created_time.
OLD_SCHEMA = """
CREATE TABLE systems (
    system_id TEXT PRIMARY KEY, agency_code TEXT NOT NULL, routing_key TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '', secret TEXT NOT NULL);
CREATE TABLE messages (
    id TEXT PRIMARY KEY, sender_key TEXT NOT NULL, sender_system TEXT NOT NULL, message_type TEXT NOT NULL,
    service_type TEXT NOT NULL, sha256 TEXT NOT NULL, document_id TEXT NOT NULL, subject TEXT NOT NULL,
    notation TEXT NOT NULL, package BLOB NOT NULL, created_time TEXT NOT NULL,
    UNIQUE (sender_key, sha256));
CREATE TABLE deliveries (
    message_id TEXT NOT NULL REFERENCES messages(id), recipient_key TEXT NOT NULL, status TEXT NOT NULL,
    updated_time TEXT NOT NULL, fetch_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (message_id, recipient_key));
CREATE INDEX deliveries_by_recipient ON deliveries (recipient_key, status);
CREATE TABLE log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, system_id TEXT NOT NULL, action TEXT NOT NULL,
    message_id TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
"""

SENDER, RECEIVER = "000.21.36.H13", "000.00.00.G22"


def _columns(path, table: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def _send(store: HubStore, package: bytes) -> str:
    store.register_system("ctu", SENDER, routing_key(SENDER), "s1")
    store.register_system("vpcp", RECEIVER, routing_key(RECEIVER), "s2")
    doc_id, created = store.store_message(
        sender=store.system("ctu"), message_type="edoc", service_type="eDoc",
        sha256=hashlib.sha256(package).hexdigest(), document_id="d1", subject="s", notation="n",
        package=package, recipients=[routing_key(RECEIVER)])
    assert created
    return doc_id


def test_a_new_store_keeps_packages_out_of_the_listed_rows(tmp_path) -> None:
    store = HubStore(tmp_path / "hub.db")
    package = bytes(range(256)) * 600
    doc_id = _send(store, package)
    assert "package" not in _columns(tmp_path / "hub.db", "messages")
    assert [r["id"] for r in store.pending_for(routing_key(RECEIVER), "edoc")] == [doc_id]
    assert store.fetch(doc_id, routing_key(RECEIVER), "vpcp") == package
    assert store.fetch(doc_id, routing_key(SENDER), "ctu") is None  # not a recipient
    store.close()


def test_a_database_written_before_the_split_is_moved_over_when_opened(tmp_path) -> None:
    path = tmp_path / "old.db"
    old_package = b"<edXML>" + bytes(range(256)) * 500 + b"</edXML>"
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        db.execute("INSERT INTO systems VALUES ('vpcp', ?, ?, '', 's2')", (RECEIVER, routing_key(RECEIVER)))
        db.execute("INSERT INTO messages VALUES ('old-1', 'h13', 'ctu', 'edoc', 'eDoc', 'ab', 'd0', 'subject', "
                   "'1/X', ?, '2025-03-14T10:00:00+07:00')", (old_package,))
        db.execute("INSERT INTO deliveries VALUES ('old-1', ?, 'initial', '2025-03-14T10:00:00+07:00', 0)",
                   (routing_key(RECEIVER),))
    store = HubStore(path)
    assert "package" not in _columns(path, "messages")
    pending = store.pending_for(routing_key(RECEIVER), "edoc")
    assert [(r["id"], r["created_time"]) for r in pending] == [("old-1", "2025-03-14T10:00:00+07:00")]
    assert store.fetch("old-1", routing_key(RECEIVER), "vpcp") == old_package
    new_package = b"<edXML>new</edXML>"
    doc_id = _send(store, new_package)
    assert store.fetch(doc_id, routing_key(RECEIVER), "vpcp") == new_package
    assert store.verify_log() is None
    store.close()
    again = HubStore(path)  # opening it a second time changes nothing
    assert again.fetch("old-1", routing_key(RECEIVER), "vpcp") == old_package
    assert len(again.pending_for(routing_key(RECEIVER), "edoc")) == 2
    again.close()
