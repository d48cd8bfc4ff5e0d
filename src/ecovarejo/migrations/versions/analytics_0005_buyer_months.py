"""Analytics: the buyer-month rollup (month × the buyer's previous active month → buyers), so the distinct
customers of a range's whole months are a sum over a few dozen rows instead of a probe per customer; filled
from the customer-month rows.

Revision ID: analytics_0005
Revises: analytics_0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "analytics_0005"
down_revision = "analytics_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_buyer_months",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("prev_month", sa.Date(), nullable=False),
        sa.Column("buyers", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "month", "prev_month", name="pk_analytics_buyer_months"),
    )
    enable_tenant_rls("analytics_buyer_months")
    from ecovarejo.analytics.public import buyer_months_rebuild_statement  # the same SQL the backfill runs

    op.get_bind().execute(buyer_months_rebuild_statement(None))


def downgrade() -> None:
    disable_tenant_rls("analytics_buyer_months")
    op.drop_table("analytics_buyer_months")
