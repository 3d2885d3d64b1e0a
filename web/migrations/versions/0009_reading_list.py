"""The reading list: articles members saved to read later.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reading_list_item",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_reading_list_item_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name=op.f("fk_reading_list_item_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "article_id", name=op.f("pk_reading_list_item")),
    )  # fmt: skip
    op.create_index(op.f("ix_reading_list_item_article_id"), "reading_list_item", ["article_id"])
    op.create_index(
        "ix_reading_list_item_user_id_added_at", "reading_list_item", ["user_id", "added_at"]
    )


def downgrade() -> None:
    op.drop_table("reading_list_item")
