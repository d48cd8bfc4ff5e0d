"""Privacy: notices sent to inactive accounts before their erasure (retention).

Revision ID: privacy_0004
Revises: privacy_0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "privacy_0004"
down_revision = "privacy_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_inactivity_notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("notified_at", UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_inactivity_notices"),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_privacy_inactivity_notices_user"),
    )
    op.create_index("ix_privacy_inactivity_notices_tenant_id", "privacy_inactivity_notices", ["tenant_id"])
    enable_tenant_rls("privacy_inactivity_notices")


def downgrade() -> None:
    disable_tenant_rls("privacy_inactivity_notices")
    op.drop_table("privacy_inactivity_notices")
