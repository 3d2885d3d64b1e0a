"""Published articles, newest first, from one index: the feeds, their counts and deep
pages read the index alone.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_article_draft_created_at_id", "article", ["draft", "created_at", "id"])
    op.drop_index("ix_article_created_at_id", table_name="article")


def downgrade() -> None:
    op.create_index("ix_article_created_at_id", "article", ["created_at", "id"])
    op.drop_index("ix_article_draft_created_at_id", table_name="article")
