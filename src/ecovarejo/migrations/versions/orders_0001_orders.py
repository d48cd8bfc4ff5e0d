"""Orders context: orders (the seed's Order model per tenant), items, status history, coupons, redemptions.

Revision ID: orders_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "orders_0001"
down_revision = None
branch_labels = ("orders",)
depends_on = "core_0001"

TABLES = ("orders", "order_items", "order_status_history", "coupons", "coupon_redemptions")


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid(), nullable=False)


def _money(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_number", sa.String(20), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(50), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        _money("subtotal"),
        _money("discount_amount"),
        _money("loyalty_discount"),
        _money("tax_amount"),
        sa.Column("tax_included", sa.Boolean(), nullable=False),
        _money("shipping_cost"),
        _money("total_amount"),
        _money("refunded_amount"),
        sa.Column("shipping_address", sa.JSON(), nullable=False),
        sa.Column("billing_address", sa.JSON(), nullable=True),
        sa.Column("shipping_state", sa.String(2), nullable=False),
        _money("carbon_footprint"),
        sa.Column("sustainability_score", sa.Integer(), nullable=False),
        sa.Column("eco_packaging", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("first_name", sa.String(100), nullable=True),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("coupon_codes", sa.JSON(), nullable=False),
        sa.Column("reservation_id", sa.Uuid(), nullable=True),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("carrier", sa.String(60), nullable=True),
        sa.Column("tracking_code", sa.String(100), nullable=True),
        sa.Column("tracking_url", sa.String(500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        _tenant(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("tenant_id", "order_number", name="uq_orders_tenant_order_number"),
        sa.CheckConstraint("total_amount >= 0", name="ck_orders_total_nonneg"),
        sa.CheckConstraint("refunded_amount <= total_amount", name="ck_orders_refunded_le_total"),
    )
    op.create_index("ix_orders_tenant_user", "orders", ["tenant_id", "user_id"])
    op.create_index("ix_orders_tenant_status", "orders", ["tenant_id", "status"])
    op.create_table(
        "order_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("variant_id", sa.Uuid(), nullable=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        _money("unit_price"),
        _money("line_total"),
        _money("carbon_footprint_kg"),
        _money("sustainability_score"),
        sa.Column("certified", sa.Boolean(), nullable=False),
        _tenant(),
        sa.PrimaryKeyConstraint("id", name="pk_order_items"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_items_order_id_orders", ondelete="CASCADE"),
    )
    op.create_index("ix_order_items_order_id", "order_items", ["order_id"])
    op.create_table(
        "order_status_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(50), nullable=True),
        sa.Column("to_status", sa.String(50), nullable=False),
        sa.Column("actor", sa.String(100), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        _tenant(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_status_history"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_order_status_history_order_id_orders", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_order_status_history_order_id", "order_status_history", ["order_id"])
    op.create_table(
        "coupons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("description", sa.String(300), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        _money("value"),
        _money("min_subtotal", nullable=True),
        sa.Column("category_ids", sa.JSON(), nullable=False),
        sa.Column("certified_only", sa.Boolean(), nullable=False),
        sa.Column("first_order_only", sa.Boolean(), nullable=False),
        sa.Column("b2b_only", sa.Boolean(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=True),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("max_uses_per_customer", sa.Integer(), nullable=True),
        sa.Column("used_count", sa.Integer(), nullable=False),
        sa.Column("stackable", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        _tenant(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coupons"),
        sa.UniqueConstraint("tenant_id", "code", name="uq_coupons_tenant_code"),
        sa.CheckConstraint("used_count >= 0", name="ck_coupons_used_nonneg"),
        sa.CheckConstraint("max_uses IS NULL OR used_count <= max_uses", name="ck_coupons_used_le_max"),
    )
    op.create_table(
        "coupon_redemptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("coupon_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        _money("amount"),
        _tenant(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coupon_redemptions"),
        sa.ForeignKeyConstraint(
            ["coupon_id"], ["coupons.id"], name="fk_coupon_redemptions_coupon_id_coupons", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_coupon_redemptions_order_id_orders", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("tenant_id", "coupon_id", "order_id", name="uq_coupon_redemptions_tenant_coupon_order"),
    )
    op.create_index("ix_coupon_redemptions_coupon_user", "coupon_redemptions", ["coupon_id", "user_id"])
    for table in TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
