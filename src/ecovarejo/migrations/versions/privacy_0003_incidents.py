"""Privacy: the incident register (LGPD art. 48).

Revision ID: privacy_0003
Revises: privacy_0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "privacy_0003"
down_revision = "privacy_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=True),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("affected_subjects", sa.BigInteger(), nullable=False),
        sa.Column("risk", sa.String(10), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("anpd_notified_at", UTCDateTime(), nullable=True),
        sa.Column("subjects_notified_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_incidents"),
    )
    op.create_index("ix_privacy_incidents_tenant_id", "privacy_incidents", ["tenant_id"])
    enable_tenant_rls("privacy_incidents")


def downgrade() -> None:
    disable_tenant_rls("privacy_incidents")
    op.drop_table("privacy_incidents")
