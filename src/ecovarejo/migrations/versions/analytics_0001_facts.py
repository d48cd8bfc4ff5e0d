"""Analytics context: order and line facts, behaviour events, stock snapshot, job checkpoints.

Revision ID: analytics_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "analytics_0001"
down_revision = None
branch_labels = ("analytics",)
depends_on = "core_0001"

TABLES = (
    "analytics_orders",
    "analytics_order_lines",
    "analytics_behaviour",
    "analytics_stock",
    "analytics_checkpoints",
)


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid(), nullable=False)


def _cents(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "analytics_orders",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("order_number", sa.String(40), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("placed_at", UTCDateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(3), nullable=False),
        sa.Column("payment_method", sa.String(20), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        _cents("subtotal_cents"),
        _cents("discount_cents"),
        _cents("loyalty_cents"),
        _cents("shipping_cents"),
        _cents("total_cents"),
        _cents("refunded_cents"),
        sa.Column("coupons", sa.String(200), nullable=False),
        _cents("carbon_g"),
        _cents("avoided_g"),
        sa.Column("eco_packaging", sa.Boolean(), nullable=False),
        sa.Column("green_delivery", sa.Boolean(), nullable=False),
        sa.Column("shipped", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _tenant(),
        sa.PrimaryKeyConstraint("order_id", name="pk_analytics_orders"),
    )
    op.create_index("ix_analytics_orders_tenant_day", "analytics_orders", ["tenant_id", "day"])
    op.create_index("ix_analytics_orders_tenant_user", "analytics_orders", ["tenant_id", "user_id", "placed_at"])
    op.create_index("ix_analytics_orders_tenant_id", "analytics_orders", ["tenant_id"])
    op.create_table(
        "analytics_order_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("category", sa.String(120), nullable=False),
        sa.Column("certified", sa.Boolean(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        _cents("revenue_cents"),
        _cents("carbon_g"),
        _cents("baseline_g"),
        _tenant(),
        sa.PrimaryKeyConstraint("id", name="pk_analytics_order_lines"),
    )
    op.create_index("ix_analytics_order_lines_tenant_day", "analytics_order_lines", ["tenant_id", "day"])
    op.create_index("ix_analytics_order_lines_order", "analytics_order_lines", ["order_id"])
    op.create_index("ix_analytics_order_lines_tenant_id", "analytics_order_lines", ["tenant_id"])
    op.create_table(
        "analytics_behaviour",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("visitor", sa.String(64), nullable=False),
        sa.Column("product", sa.String(200), nullable=True),
        sa.Column("query", sa.String(200), nullable=True),
        sa.Column("results", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(60), nullable=True),
        _tenant(),
        sa.PrimaryKeyConstraint("id", name="pk_analytics_behaviour"),
    )
    op.create_index("ix_analytics_behaviour_tenant_day_kind", "analytics_behaviour", ["tenant_id", "day", "kind"])
    op.create_index("ix_analytics_behaviour_tenant_id", "analytics_behaviour", ["tenant_id"])
    op.create_table(
        "analytics_stock",
        sa.Column("sku", sa.String(64), nullable=False),
        _tenant(),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sku", "tenant_id", name="pk_analytics_stock"),
    )
    op.create_table(
        "analytics_checkpoints",
        sa.Column("name", sa.String(60), nullable=False),
        _tenant(),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", "tenant_id", name="pk_analytics_checkpoints"),
    )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
