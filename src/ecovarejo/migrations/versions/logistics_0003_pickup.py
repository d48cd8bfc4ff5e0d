"""Shipments to a pickup point keep the point (name, address, CEP, hours).

Revision ID: logistics_0003
Revises: logistics_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "logistics_0003"
down_revision = "logistics_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.add_column(sa.Column("pickup_point", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.drop_column("pickup_point")
