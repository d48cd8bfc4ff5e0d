"""Fiscal context: the NF-e of each order (state at the provider, XML, DANFE, cancellation, CC-e).

Revision ID: fiscal_0002
Revises: fiscal_0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "fiscal_0002"
down_revision = "fiscal_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fiscal_nfe",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("order_number", sa.String(20), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("ref", sa.String(60), nullable=False),
        sa.Column("model", sa.String(2), nullable=False),
        sa.Column("provider", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("error_code", sa.String(60), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("po_number", sa.String(60), nullable=True),
        sa.Column("chave", sa.String(44), nullable=True),
        sa.Column("number", sa.String(9), nullable=True),
        sa.Column("series", sa.String(3), nullable=True),
        sa.Column("protocol", sa.String(20), nullable=True),
        sa.Column("authorized_at", UTCDateTime(), nullable=True),
        sa.Column("xml", sa.LargeBinary(), nullable=True),
        sa.Column("danfe", sa.LargeBinary(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("cancel_reason", sa.String(255), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("cancel_xml", sa.LargeBinary(), nullable=True),
        sa.Column("cce_count", sa.Integer(), nullable=False),
        sa.Column("cce_text", sa.Text(), nullable=True),
        sa.Column("cce_xml", sa.LargeBinary(), nullable=True),
        sa.Column("cce_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fiscal_nfe"),
        sa.UniqueConstraint("tenant_id", "order_id", name="uq_fiscal_nfe_tenant_order"),
    )
    op.create_index("ix_fiscal_nfe_tenant_id", "fiscal_nfe", ["tenant_id"])
    op.create_index("ix_fiscal_nfe_due", "fiscal_nfe", ["status", "next_attempt_at"])
    enable_tenant_rls("fiscal_nfe")


def downgrade() -> None:
    disable_tenant_rls("fiscal_nfe")
    op.drop_table("fiscal_nfe")
