"""Inventory context: warehouses, stock per SKU per warehouse, the stock ledger, reservations.

Revision ID: inventory_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "inventory_0001"
down_revision = None
branch_labels = ("inventory",)
depends_on = "core_0001"

TABLES = ("warehouses", "stock_items", "stock_movements", "stock_reservations", "stock_reservation_lines")


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "warehouses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        _tenant(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_warehouses"),
        sa.UniqueConstraint("tenant_id", "code", name="uq_warehouses_tenant_code"),
    )
    op.create_table(
        "stock_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("stock_quantity", sa.Integer(), nullable=False),
        sa.Column("reserved_quantity", sa.Integer(), nullable=False),
        sa.Column("reorder_level", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.String(64), nullable=True),
        _tenant(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stock_items"),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name="fk_stock_items_warehouse_id_warehouses", ondelete="RESTRICT"
        ),
        sa.UniqueConstraint("tenant_id", "warehouse_id", "sku", name="uq_stock_items_tenant_warehouse_sku"),
        sa.CheckConstraint("stock_quantity >= 0", name="ck_stock_items_stock_nonneg"),
        sa.CheckConstraint("reserved_quantity >= 0", name="ck_stock_items_reserved_nonneg"),
        sa.CheckConstraint("reserved_quantity <= stock_quantity", name="ck_stock_items_reserved_le_stock"),
    )
    op.create_index("ix_stock_items_tenant_sku", "stock_items", ["tenant_id", "sku"])
    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("stock_item_id", sa.Uuid(), nullable=False),
        sa.Column("warehouse_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("stock_delta", sa.Integer(), nullable=False),
        sa.Column("reserved_delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("actor", sa.String(100), nullable=True),
        sa.Column("reference", sa.String(100), nullable=True),
        _tenant(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stock_movements"),
        sa.ForeignKeyConstraint(
            ["stock_item_id"],
            ["stock_items.id"],
            name="fk_stock_movements_stock_item_id_stock_items",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_stock_movements_tenant_sku_created", "stock_movements", ["tenant_id", "sku", "created_at"])
    op.create_table(
        "stock_reservations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        _tenant(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stock_reservations"),
    )
    op.create_index("ix_stock_reservations_status_expires", "stock_reservations", ["status", "expires_at"])
    op.create_table(
        "stock_reservation_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reservation_id", sa.Uuid(), nullable=False),
        sa.Column("stock_item_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        _tenant(),
        sa.PrimaryKeyConstraint("id", name="pk_stock_reservation_lines"),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["stock_reservations.id"],
            name="fk_stock_reservation_lines_reservation_id_stock_reservations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stock_item_id"],
            ["stock_items.id"],
            name="fk_stock_reservation_lines_stock_item_id_stock_items",
            ondelete="RESTRICT",
        ),
    )
    op.create_index("ix_stock_reservation_lines_reservation_id", "stock_reservation_lines", ["reservation_id"])
    for table in TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
