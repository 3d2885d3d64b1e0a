"""Form submissions that created something, so a replayed form creates nothing twice;
tag names as long as the rule allows (32 characters, which every stored tag already is).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "submission",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name="fk_submission_user_id_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "token", name="pk_submission"),
    )
    # SQLite ignores declared lengths (and a batch copy of "tag" would cascade into
    # article_tag), so only PostgreSQL's column changes.
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("tag", "name", type_=sa.String(length=32), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("tag", "name", type_=sa.String(length=64), existing_nullable=False)
    op.drop_table("submission")
