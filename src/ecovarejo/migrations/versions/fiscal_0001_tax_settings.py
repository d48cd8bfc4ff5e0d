"""Fiscal context: tax settings per tenant and products' fiscal data.

Revision ID: fiscal_0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "fiscal_0001"
down_revision = None
branch_labels = ("fiscal",)
depends_on = "core_0001"

TABLES = ("fiscal_tax_settings", "fiscal_products")


def _common() -> list[sa.Column]:
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "fiscal_tax_settings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_common(),
        sa.PrimaryKeyConstraint("id", name="pk_fiscal_tax_settings"),
        sa.UniqueConstraint("tenant_id", name="uq_fiscal_tax_settings_tenant_id"),
    )
    op.create_table(
        "fiscal_products",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("ncm", sa.String(8), nullable=False),
        sa.Column("cfop", sa.String(4), nullable=True),
        sa.Column("origin", sa.Integer(), nullable=False),
        sa.Column("cest", sa.String(7), nullable=True),
        *_common(),
        sa.PrimaryKeyConstraint("id", name="pk_fiscal_products"),
        sa.UniqueConstraint("tenant_id", "sku", name="uq_fiscal_products_tenant_sku"),
    )
    for table in TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
