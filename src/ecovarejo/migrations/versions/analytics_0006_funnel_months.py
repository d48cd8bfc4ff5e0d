"""Analytics: the visitor-month and funnel-month rollups (per step and month: visitors by their previous
month with the step, and events), so the funnel of a range's whole months is a sum over a few hundred rows
instead of grouping a year of visitor-days; filled from the behaviour events.

Revision ID: analytics_0006
Revises: analytics_0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls, is_postgres

revision = "analytics_0006"
down_revision = "analytics_0005"
branch_labels = None
depends_on = None

STEPS = ("product_viewed", "added_to_cart", "checkout_started", "order_placed")


def upgrade() -> None:
    op.create_table(
        "analytics_visitor_months",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("visitor", sa.String(64), nullable=False),
        *(sa.Column(s, sa.BigInteger(), nullable=False) for s in STEPS),
        sa.PrimaryKeyConstraint("tenant_id", "month", "visitor", name="pk_analytics_visitor_months"),
    )
    op.create_table(
        "analytics_funnel_months",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("prev_month", sa.Date(), nullable=False),
        sa.Column("visitors", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "step", "month", "prev_month", name="pk_analytics_funnel_months"),
    )
    for table in ("analytics_visitor_months", "analytics_funnel_months"):
        enable_tenant_rls(table)
    from ecovarejo.analytics.public import funnel_month_rebuild_statements  # the same SQL the backfill runs

    bind = op.get_bind()
    for stmt in funnel_month_rebuild_statements(None, postgres=is_postgres()):
        bind.execute(stmt)


def downgrade() -> None:
    for table in ("analytics_funnel_months", "analytics_visitor_months"):
        disable_tenant_rls(table)
        op.drop_table(table)
