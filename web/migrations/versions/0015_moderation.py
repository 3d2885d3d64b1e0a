"""Moderation: members' roles and suspensions, hidden articles and comments, reports,
and the log of every moderation action.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _hidden_columns(table: str) -> None:
    op.add_column(
        table, sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(table, sa.Column("hidden_reason", sa.String(length=500), nullable=True))


def upgrade() -> None:
    op.add_column(
        "user", sa.Column("role", sa.String(length=16), server_default="member", nullable=False)
    )
    op.add_column("user", sa.Column("suspended_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_user_suspended_until", "user", ["suspended_until"])
    _hidden_columns("article")
    _hidden_columns("comment")
    op.create_index(
        "ix_article_draft_hidden_created_at_id", "article", ["draft", "hidden", "created_at", "id"]
    )
    op.drop_index("ix_article_draft_created_at_id", table_name="article")
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "reporter_id",
            sa.Integer(),
            sa.ForeignKey("user.id", name="fk_report_reporter_id_user", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column(
            "author_id",
            sa.Integer(),
            sa.ForeignKey("user.id", name="fk_report_author_id_user", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("open", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_report"),
    )
    op.create_index("ix_report_author_id", "report", ["author_id"])
    op.create_index(
        "uq_report_reporter_id_kind_item_id",
        "report",
        ["reporter_id", "kind", "item_id"],
        unique=True,
    )
    op.create_index("ix_report_kind_item_id_open", "report", ["kind", "item_id", "open"])
    op.create_index("ix_report_open_created_at", "report", ["open", "created_at"])
    op.create_table(
        "moderation_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "moderator_id",
            sa.Integer(),
            sa.ForeignKey(
                "user.id", name="fk_moderation_log_moderator_id_user", ondelete="SET NULL"
            ),
            nullable=True,
        ),
        sa.Column("moderator_name", sa.String(length=40), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("item_label", sa.String(length=255), nullable=True),
        sa.Column(
            "member_id",
            sa.Integer(),
            sa.ForeignKey("user.id", name="fk_moderation_log_member_id_user", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("member_name", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("detail", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_moderation_log"),
    )
    op.create_index("ix_moderation_log_moderator_id", "moderation_log", ["moderator_id"])
    op.create_index("ix_moderation_log_member_id", "moderation_log", ["member_id"])
    op.create_index("ix_moderation_log_kind_item_id", "moderation_log", ["kind", "item_id"])


def downgrade() -> None:
    op.drop_table("moderation_log")
    op.drop_table("report")
    op.create_index("ix_article_draft_created_at_id", "article", ["draft", "created_at", "id"])
    op.drop_index("ix_article_draft_hidden_created_at_id", table_name="article")
    for table in ("comment", "article"):
        op.drop_column(table, "hidden_reason")
        op.drop_column(table, "hidden")
    op.drop_index("ix_user_suspended_until", table_name="user")
    op.drop_column("user", "suspended_until")
    op.drop_column("user", "role")
