"""Users: requested e-mail changes (link to the new address, notice to the old one).

Revision ID: users_0003
Revises: users_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "users_0003"
down_revision = "users_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_email_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("new_email", sa.String(320), nullable=False),
        sa.Column("old_email", sa.String(320), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("report_token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("reported_at", UTCDateTime(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_user_email_changes_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_user_email_changes"),
        sa.UniqueConstraint("token_hash", name="uq_user_email_changes_token_hash"),
        sa.UniqueConstraint("report_token_hash", name="uq_user_email_changes_report_token_hash"),
    )
    op.create_index("ix_user_email_changes_user_id", "user_email_changes", ["user_id"])
    op.create_index("ix_user_email_changes_tenant_id", "user_email_changes", ["tenant_id"])
    enable_tenant_rls("user_email_changes")


def downgrade() -> None:
    disable_tenant_rls("user_email_changes")
    op.drop_table("user_email_changes")
