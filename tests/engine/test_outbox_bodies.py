"""Outbox bodies live in the content-addressed ``document`` table; migration 0005 moves existing ones there."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command

from app.migrate import alembic_config
from engine.db import transaction
from engine.models import Document, Outbox
from engine.runtime.outputs import enqueue, outbox_bodies


def test_a_queued_body_is_kept_once_by_its_hash_and_read_back_byte_for_byte(container: Any) -> None:
    body = "<edXML>thư gửi đi</edXML>".encode() * 1000
    with transaction(container.sessions) as s:
        first = enqueue(s, None, "system", "axis", "edoc", {"document_id": "1"}, body)
        again = enqueue(s, None, "system", "axis", "edoc", {"document_id": "1"}, body)  # a re-queue, same bytes
        none = enqueue(s, None, "system", "mail", "note", {"to": "x"})
    digest = hashlib.sha256(body).hexdigest()
    with container.sessions() as s:
        rows = {r.id: r for r in s.scalars(sa.select(Outbox))}
        assert rows[first].sha256 == rows[again].sha256 == digest and rows[none].sha256 == ""
        assert s.scalar(sa.select(sa.func.count()).select_from(Document).where(Document.sha256 == digest)) == 1
        assert outbox_bodies(s, [r.sha256 for r in rows.values()]) == {digest: body}


def test_migration_0005_moves_queued_bodies_into_documents_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0004")
    engine = sa.create_engine(url)
    bodies = [b"<edXML>1</edXML>", b"<edXML>2</edXML>", b"<edXML>1</edXML>"]
    with engine.begin() as conn:
        for body in bodies:
            conn.execute(sa.text("INSERT INTO outbox (channel, kind, payload, body, sha256, status, attempts, "
                                 "next_attempt_at, created_at) VALUES ('axis', 'edoc', '{}', :body, :sha, 'pending', "
                                 "0, '2026-12-01 00:00:00', '2026-12-01 00:00:00')"),
                         {"body": body, "sha": hashlib.sha256(body).hexdigest()})
        conn.execute(sa.text("INSERT INTO outbox (channel, kind, payload, sha256, status, attempts, next_attempt_at, "
                             "created_at) VALUES ('mail', 'note', '{}', '', 'pending', 0, '2026-12-01 00:00:00', "
                             "'2026-12-01 00:00:00')"))
    command.upgrade(cfg, "0005")
    with engine.connect() as conn:
        assert "body" not in {c["name"] for c in sa.inspect(conn).get_columns("outbox")}
        stored = dict(conn.execute(sa.text("SELECT sha256, content FROM document")).all())
    assert stored == {hashlib.sha256(b).hexdigest(): b for b in bodies}
    command.downgrade(cfg, "0004")
    with engine.connect() as conn:
        back = [r[0] for r in conn.execute(sa.text("SELECT body FROM outbox ORDER BY id")).all()]
    assert back == [*bodies, None]
    engine.dispose()
