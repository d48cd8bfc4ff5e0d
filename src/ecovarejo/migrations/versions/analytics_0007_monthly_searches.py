"""Analytics: the monthly search rollup (per month and query: searches, zero-result searches, most results),
so the search reports read a year's whole months from twelve months of rows instead of a year of daily
rows; filled from the behaviour events.

Revision ID: analytics_0007
Revises: analytics_0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls, is_postgres

revision = "analytics_0007"
down_revision = "analytics_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_monthly_searches",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("searches", sa.BigInteger(), nullable=False),
        sa.Column("zero_results", sa.BigInteger(), nullable=False),
        sa.Column("max_results", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "month", "query", name="pk_analytics_monthly_searches"),
    )
    enable_tenant_rls("analytics_monthly_searches")
    from ecovarejo.analytics.public import monthly_search_rebuild_statements  # the same SQL the backfill runs

    bind = op.get_bind()
    for stmt in monthly_search_rebuild_statements(None, None, None, postgres=is_postgres()):
        bind.execute(stmt)


def downgrade() -> None:
    disable_tenant_rls("analytics_monthly_searches")
    op.drop_table("analytics_monthly_searches")
