"""Privacy: the cookie banner's choices of visitors who are not signed in (the consent ledger's anonymous side).

Revision ID: privacy_0005
Revises: privacy_0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "privacy_0005"
down_revision = "privacy_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_visitor_consents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("visitor", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(50), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("policy_version", sa.String(30), nullable=False),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_visitor_consents"),
    )
    op.create_index("ix_privacy_visitor_consents_tenant_id", "privacy_visitor_consents", ["tenant_id"])
    op.create_index(
        "ix_privacy_visitor_consents_visitor", "privacy_visitor_consents", ["tenant_id", "visitor", "purpose"]
    )
    enable_tenant_rls("privacy_visitor_consents")


def downgrade() -> None:
    disable_tenant_rls("privacy_visitor_consents")
    op.drop_table("privacy_visitor_consents")
