"""Whether a member has confirmed their email address.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "user",
        sa.Column("email_confirmed", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # Accounts made before addresses were confirmed are not asked now.
    op.execute(sa.table("user", sa.column("email_confirmed")).update().values(email_confirmed=True))


def downgrade() -> None:
    op.drop_column("user", "email_confirmed")
