"""API tokens revoked together: the account's token epoch, and the one token a
password change made through the API keeps.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "user", sa.Column("token_epoch", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("user", sa.Column("kept_token", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("user", "kept_token")
    op.drop_column("user", "token_epoch")
