"""Store each member's theme preference (light, dark, or none to follow the system).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE on both databases (SQLite >= 3.35 drops columns natively): a batch
# copy of "user" would lose its expression indexes, which SQLite cannot reflect.
def upgrade() -> None:
    op.add_column("user", sa.Column("theme", sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column("user", "theme")
