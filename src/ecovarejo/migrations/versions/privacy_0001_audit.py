"""Privacy: the hash-chained audit log and its per-tenant head.

Revision ID: privacy_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import app_role, disable_tenant_rls, enable_tenant_rls, is_postgres

revision = "privacy_0001"
down_revision = None
branch_labels = ("privacy",)
depends_on = "core_0001"

TABLES = ("privacy_audit_log", "privacy_audit_heads")


def upgrade() -> None:
    op.create_table(
        "privacy_audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("purpose", sa.String(200), nullable=False),
        sa.Column("consent_id", sa.String(64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_audit_log"),
        sa.UniqueConstraint("tenant_id", "seq", name="uq_privacy_audit_log_tenant_seq"),
    )
    op.create_index("ix_privacy_audit_log_tenant_id", "privacy_audit_log", ["tenant_id"])
    op.create_index("ix_privacy_audit_log_subject", "privacy_audit_log", ["tenant_id", "subject_id"])
    op.create_table(
        "privacy_audit_heads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_audit_heads"),
        sa.UniqueConstraint("tenant_id", name="uq_privacy_audit_heads_tenant_id"),
    )
    op.create_index("ix_privacy_audit_heads_tenant_id", "privacy_audit_heads", ["tenant_id"])
    for table in TABLES:
        enable_tenant_rls(table)
    if is_postgres():
        # Append-only for the application: it may add and read entries, never change or delete them.
        op.execute(f'REVOKE UPDATE, DELETE ON privacy_audit_log FROM "{app_role()}"')


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
    op.drop_table("privacy_audit_heads")
    op.drop_table("privacy_audit_log")
