"""The site's generation, moved on by every write that changes what pages show, so
every cached page and value (keyed by it) is fresh on the next read (web.caching.generation).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    state = op.create_table(
        "site_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_site_state"),
    )
    op.bulk_insert(state, [{"name": "generation", "value": 1}])


def downgrade() -> None:
    op.drop_table("site_state")
