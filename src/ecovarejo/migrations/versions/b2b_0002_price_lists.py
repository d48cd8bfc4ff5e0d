"""B2B price lists: per company or every company account, quantity tiers, MOQ and multiples, validity.

Revision ID: b2b_0002
Revises: b2b_0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "b2b_0002"
down_revision = "b2b_0001"
branch_labels = None
depends_on = None

TABLES = ("b2b_price_lists", "b2b_price_rules")


def upgrade() -> None:
    op.create_table(
        "b2b_price_lists",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=True),
        sa.Column("valid_from", UTCDateTime(), nullable=True),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_b2b_price_lists"),
    )
    op.create_index("ix_b2b_price_lists_company_id", "b2b_price_lists", ["company_id"])
    op.create_table(
        "b2b_price_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("price_list_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.Numeric(12, 2), nullable=False),
        sa.Column("min_qty", sa.Integer(), nullable=False),
        sa.Column("max_qty", sa.Integer(), nullable=True),
        sa.Column("moq", sa.Integer(), nullable=False),
        sa.Column("multiple", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_b2b_price_rules"),
        sa.ForeignKeyConstraint(
            ["price_list_id"],
            ["b2b_price_lists.id"],
            name="fk_b2b_price_rules_price_list_id_b2b_price_lists",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_b2b_price_rules_price_list_id", "b2b_price_rules", ["price_list_id"])
    op.create_index("ix_b2b_price_rules_sku", "b2b_price_rules", ["sku"])
    for table in TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
