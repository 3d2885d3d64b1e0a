"""Each article's word count, kept with it, so lists show reading time without
reading bodies.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    op.add_column("article", sa.Column("words", sa.Integer(), server_default="0", nullable=False))
    # Count the words of the articles already written, a batch at a time.
    connection = op.get_bind()
    article = sa.table("article", sa.column("id", sa.Integer), sa.column("body", sa.Text),
                       sa.column("words", sa.Integer))  # fmt: skip
    last = 0
    while True:
        rows = connection.execute(
            sa.select(article.c.id, article.c.body)
            .where(article.c.id > last)
            .order_by(article.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            article.update().where(article.c.id == sa.bindparam("row_id")),
            [{"row_id": row_id, "words": len(body.split())} for row_id, body in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_column("article", "words")
