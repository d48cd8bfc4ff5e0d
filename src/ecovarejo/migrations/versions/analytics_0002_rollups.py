"""Analytics daily rollups (orders per dimension, lines per category/product, searches per query),
filled from the facts that exist; covering indexes for the funnel's distinct visitors and a range's
distinct buyers.

Revision ID: analytics_0002
Revises: analytics_0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "analytics_0002"
down_revision = "analytics_0001"
branch_labels = None
depends_on = None

TABLES = ("analytics_daily_orders", "analytics_daily_lines", "analytics_daily_searches")


def _n(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def _key() -> list[sa.Column]:
    return [sa.Column("tenant_id", sa.Uuid(), nullable=False), sa.Column("day", sa.Date(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "analytics_daily_orders",
        *_key(),
        sa.Column("dim", sa.String(20), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        *(
            _n(m)
            for m in (
                "orders",
                "gross_cents",
                "refunded_cents",
                "discount_cents",
                "loyalty_cents",
                "carbon_g",
                "avoided_g",
                "shipped_g",
                "eco_packaging",
                "green_delivery",
            )
        ),
        sa.PrimaryKeyConstraint("tenant_id", "day", "dim", "key", name="pk_analytics_daily_orders"),
    )
    op.create_table(
        "analytics_daily_lines",
        *_key(),
        sa.Column("category", sa.String(120), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        *(_n(m) for m in ("orders", "units", "revenue_cents", "certified_cents", "carbon_g", "baseline_g")),
        sa.PrimaryKeyConstraint("tenant_id", "day", "category", "sku", "name", name="pk_analytics_daily_lines"),
    )
    op.create_table(
        "analytics_daily_searches",
        *_key(),
        sa.Column("query", sa.String(200), nullable=False),
        *(_n(m) for m in ("searches", "zero_results", "max_results")),
        sa.PrimaryKeyConstraint("tenant_id", "day", "query", name="pk_analytics_daily_searches"),
    )
    op.create_index(
        "ix_analytics_behaviour_tenant_kind_day_visitor", "analytics_behaviour", ["tenant_id", "kind", "day", "visitor"]
    )
    op.create_index("ix_analytics_orders_tenant_day_user", "analytics_orders", ["tenant_id", "day", "user_id", "paid"])
    for table in TABLES:
        enable_tenant_rls(table)
    from ecovarejo.analytics.public import daily_rollup_rebuild_statements  # the same SQL the backfill runs

    bind = op.get_bind()
    for stmt in daily_rollup_rebuild_statements(None, None, None):
        bind.execute(stmt)


def downgrade() -> None:
    op.drop_index("ix_analytics_behaviour_tenant_kind_day_visitor", table_name="analytics_behaviour")
    op.drop_index("ix_analytics_orders_tenant_day_user", table_name="analytics_orders")
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
