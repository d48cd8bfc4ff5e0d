"""Shipments keep the carrier's label PDF and the last error.

Revision ID: logistics_0002
Revises: logistics_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "logistics_0002"
down_revision = "logistics_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.add_column(sa.Column("label_pdf", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("error", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.drop_column("error")
        batch.drop_column("label_pdf")
