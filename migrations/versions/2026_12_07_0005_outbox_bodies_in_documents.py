"""outbox bodies in the content-addressed document table

SQLite rewrites a whole row on UPDATE: marking a queued 150 KB edXML package sent (status, attempts,
sent_at) rewrote the package too. The bytes move to ``document`` under the SHA-256 the row already
carries, so the outbox row that is updated stays small.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 14:30:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("sha256", sa.String),
                   sa.column("body", sa.LargeBinary), sa.column("created_at", sa.DateTime(timezone=True)))
_document = sa.table("document", sa.column("sha256", sa.String), sa.column("media_type", sa.String),
                     sa.column("size", sa.Integer), sa.column("content", sa.LargeBinary),
                     sa.column("created_at", sa.DateTime(timezone=True)))


def upgrade() -> None:
    bind = op.get_bind()
    stored = set(bind.execute(sa.select(_document.c.sha256)).scalars())
    rows = bind.execute(sa.select(_outbox.c.sha256, _outbox.c.body, _outbox.c.created_at)
                        .where(_outbox.c.body.is_not(None), _outbox.c.sha256 != "").order_by(_outbox.c.id))
    for digest, body, created_at in rows.all():
        if digest not in stored:
            bind.execute(_document.insert().values(sha256=digest, media_type="application/xml", size=len(body),
                                                   content=body, created_at=created_at or datetime.now(UTC)))
            stored.add(digest)
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("body")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("body", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    bodies = dict(bind.execute(sa.select(_document.c.sha256, _document.c.content)
                               .where(_document.c.sha256.in_(sa.select(_outbox.c.sha256)))).all())
    for outbox_id, digest in bind.execute(sa.select(_outbox.c.id, _outbox.c.sha256)).all():
        if digest in bodies:
            bind.execute(_outbox.update().where(_outbox.c.id == outbox_id).values(body=bodies[digest]))
