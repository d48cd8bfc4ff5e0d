"""Payment instructions of pending Pix and boleto payments.

Revision ID: paymentsx_0002
Revises: paymentsx_0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "paymentsx_0002"
down_revision = "paymentsx_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_instructions",
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("code", sa.String(512), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name="fk_payment_instructions_payment_id_payments", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("payment_id", name="pk_payment_instructions"),
    )
    op.create_index("ix_payment_instructions_tenant_id", "payment_instructions", ["tenant_id"])
    enable_tenant_rls("payment_instructions")


def downgrade() -> None:
    disable_tenant_rls("payment_instructions")
    op.drop_index("ix_payment_instructions_tenant_id", table_name="payment_instructions")
    op.drop_table("payment_instructions")
