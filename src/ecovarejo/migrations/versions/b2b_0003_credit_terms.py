"""B2B invoiced payment terms (faturado): credit accounts, invoices and their instalments (boletos).

Revision ID: b2b_0003t
Revises: b2b_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "b2b_0003t"
down_revision = "b2b_0002"
branch_labels = None
depends_on = None

TABLES = ("b2b_credit_accounts", "b2b_invoices", "b2b_instalments")


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "b2b_credit_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("terms", sa.String(20), nullable=False),
        sa.Column("credit_limit", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_b2b_credit_accounts"),
        sa.UniqueConstraint("tenant_id", "company_id", name="uq_b2b_credit_accounts_tenant_company"),
    )
    op.create_table(
        "b2b_invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("order_number", sa.String(20), nullable=False),
        sa.Column("buyer_id", sa.Uuid(), nullable=False),
        sa.Column("po_number", sa.String(60), nullable=True),
        sa.Column("terms", sa.String(20), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_b2b_invoices"),
        sa.UniqueConstraint("tenant_id", "order_id", name="uq_b2b_invoices_tenant_order"),
    )
    op.create_index("ix_b2b_invoices_company_id", "b2b_invoices", ["company_id"])
    op.create_table(
        "b2b_instalments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("boleto_line", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("paid_at", UTCDateTime(), nullable=True),
        sa.Column("overdue_notified_at", UTCDateTime(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_b2b_instalments"),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["b2b_invoices.id"], name="fk_b2b_instalments_invoice_id_b2b_invoices", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_b2b_instalments_invoice_id", "b2b_instalments", ["invoice_id"])
    op.create_index("ix_b2b_instalments_company_id", "b2b_instalments", ["company_id"])
    op.create_index("ix_b2b_instalments_payment_id", "b2b_instalments", ["payment_id"])
    for table in TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
