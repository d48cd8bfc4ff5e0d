"""Analytics rollups that leave the facts: customers (first paid order, orders, revenue), customer-months,
cohorts, funnel visitor-days and the monthly product rollup; filled from the facts that exist.

Revision ID: analytics_0003
Revises: analytics_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls, is_postgres

revision = "analytics_0003"
down_revision = "analytics_0002"
branch_labels = None
depends_on = None

TABLES = (
    "analytics_monthly_lines",
    "analytics_customers",
    "analytics_customer_months",
    "analytics_cohorts",
    "analytics_visitor_days",
)


def _n(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "analytics_monthly_lines",
        _tenant(),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category", sa.String(120), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        *(_n(m) for m in ("orders", "units", "revenue_cents", "certified_cents", "carbon_g", "baseline_g")),
        sa.PrimaryKeyConstraint("tenant_id", "month", "category", "sku", "name", name="pk_analytics_monthly_lines"),
    )
    op.create_table(
        "analytics_customers",
        _tenant(),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("first_at", UTCDateTime(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        *(_n(m) for m in ("orders", "gross_cents", "refunded_cents")),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name="pk_analytics_customers"),
    )
    op.create_table(
        "analytics_customer_months",
        _tenant(),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        *(_n(m) for m in ("orders", "gross_cents", "refunded_cents")),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", "month", name="pk_analytics_customer_months"),
    )
    op.create_index(
        "ix_analytics_customer_months_month", "analytics_customer_months", ["tenant_id", "month", "user_id"]
    )
    op.create_table(
        "analytics_cohorts",
        _tenant(),
        sa.Column("cohort", sa.Date(), nullable=False),
        sa.Column("month_offset", sa.Integer(), nullable=False),
        *(_n(m) for m in ("buyers", "repeat_buyers")),
        sa.PrimaryKeyConstraint("tenant_id", "cohort", "month_offset", name="pk_analytics_cohorts"),
    )
    op.create_table(
        "analytics_visitor_days",
        _tenant(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visitor", sa.String(64), nullable=False),
        *(_n(m) for m in ("product_viewed", "added_to_cart", "checkout_started", "order_placed")),
        sa.PrimaryKeyConstraint("tenant_id", "day", "visitor", name="pk_analytics_visitor_days"),
    )
    for table in TABLES:
        enable_tenant_rls(table)
    from ecovarejo.analytics.public import rollup_rebuild_statements  # the same SQL the backfill runs

    bind = op.get_bind()
    for stmt in rollup_rebuild_statements(
        None, None, None, postgres=is_postgres(), buyer_months=False, monthly_searches=False
    ):  # buyer-months: 0005, monthly searches: 0007
        bind.execute(stmt)


def downgrade() -> None:
    op.drop_index("ix_analytics_customer_months_month", table_name="analytics_customer_months")
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
