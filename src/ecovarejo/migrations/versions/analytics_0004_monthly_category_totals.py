"""Analytics: the monthly line rollup also keeps each category's monthly total (``sku = ""``), so the
category and sustainability reports read months instead of a year of daily product rows; refilled from
the facts.

Revision ID: analytics_0004
Revises: analytics_0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

from ecovarejo.core.migrate import is_postgres

revision = "analytics_0004"
down_revision = "analytics_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from ecovarejo.analytics.public import monthly_rollup_rebuild_statements  # the same SQL the backfill runs

    bind = op.get_bind()
    for stmt in monthly_rollup_rebuild_statements(None, postgres=is_postgres()):
        bind.execute(stmt)


def downgrade() -> None:
    op.execute("DELETE FROM analytics_monthly_lines WHERE sku = ''")
