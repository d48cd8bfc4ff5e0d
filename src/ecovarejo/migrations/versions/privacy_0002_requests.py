"""Privacy: data subjects' requests (LGPD art. 18) with their deadline and single-use export links.

Revision ID: privacy_0002
Revises: privacy_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "privacy_0002"
down_revision = "privacy_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("identity_verified_at", UTCDateTime(), nullable=True),
        sa.Column("identity_method", sa.String(30), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("handled_by", sa.String(120), nullable=True),
        sa.Column("export_token_hash", sa.String(64), nullable=True),
        sa.Column("export_expires_at", UTCDateTime(), nullable=True),
        sa.Column("export_used_at", UTCDateTime(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_requests"),
        sa.UniqueConstraint("export_token_hash", name="uq_privacy_requests_export_token_hash"),
    )
    op.create_index("ix_privacy_requests_tenant_id", "privacy_requests", ["tenant_id"])
    op.create_index("ix_privacy_requests_user_id", "privacy_requests", ["user_id"])
    op.create_index("ix_privacy_requests_status_due", "privacy_requests", ["tenant_id", "status", "due_at"])
    enable_tenant_rls("privacy_requests")


def downgrade() -> None:
    disable_tenant_rls("privacy_requests")
    op.drop_table("privacy_requests")
