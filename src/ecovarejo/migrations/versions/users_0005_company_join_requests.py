"""Users: requests to join a company whose CNPJ already has an account (the requester's e-mail, kept 30 days).

Revision ID: users_0005
Revises: users_0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "users_0005"
down_revision = "users_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_company_join_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("requester_email", sa.String(320), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name="fk_user_company_join_requests_company_id_companies",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_user_company_join_requests"),
    )  # fmt: skip
    op.create_index("ix_user_company_join_requests_company_id", "user_company_join_requests", ["company_id"])
    op.create_index("ix_user_company_join_requests_tenant_id", "user_company_join_requests", ["tenant_id"])
    enable_tenant_rls("user_company_join_requests")


def downgrade() -> None:
    disable_tenant_rls("user_company_join_requests")
    op.drop_table("user_company_join_requests")
