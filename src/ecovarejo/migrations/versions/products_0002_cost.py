"""Products keep their unit cost (staff only: the margin floor of the price suggestions).

Revision ID: products_0002
Revises: products_0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "products_0002"
down_revision = "products_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("cost", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_column("cost")
