"""B2B context: company members' roles and spending limits, purchase approval requests.

Revision ID: b2b_0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "b2b_0001"
down_revision = None
branch_labels = ("b2b",)
depends_on = "core_0001"

TABLES = ("b2b_members", "b2b_approvals")


def _common() -> list[sa.Column]:
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "b2b_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("spending_limit", sa.BigInteger(), nullable=True),
        *_common(),
        sa.PrimaryKeyConstraint("id", name="pk_b2b_members"),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_b2b_members_tenant_user"),
    )
    op.create_index("ix_b2b_members_company_id", "b2b_members", ["company_id"])
    op.create_table(
        "b2b_approvals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.String(500), nullable=True),
        *_common(),
        sa.PrimaryKeyConstraint("id", name="pk_b2b_approvals"),
    )
    op.create_index("ix_b2b_approvals_company_id", "b2b_approvals", ["company_id"])
    op.create_index("ix_b2b_approvals_requester_id", "b2b_approvals", ["requester_id"])
    for table in TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
