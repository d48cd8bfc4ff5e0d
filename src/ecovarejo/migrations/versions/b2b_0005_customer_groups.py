"""B2B customer groups (e.g. "atacado"): companies belong to groups and a price list may be for a group.

Revision ID: b2b_0005
Revises: b2b_0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "b2b_0005"
down_revision = "b2b_0004"
branch_labels = None
depends_on = None

TABLES = ("b2b_customer_groups", "b2b_group_members")


def upgrade() -> None:
    op.create_table(
        "b2b_customer_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_b2b_customer_groups"),
        sa.UniqueConstraint("tenant_id", "code", name="uq_b2b_customer_groups_tenant_code"),
    )
    op.create_table(
        "b2b_group_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_b2b_group_members"),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["b2b_customer_groups.id"],
            name="fk_b2b_group_members_group_id_b2b_customer_groups",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("group_id", "company_id", name="uq_b2b_group_members_group_company"),
    )
    op.create_index("ix_b2b_group_members_company_id", "b2b_group_members", ["company_id"])
    for table in TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)
    with op.batch_alter_table("b2b_price_lists") as batch:
        batch.add_column(sa.Column("group_id", sa.Uuid(), nullable=True))
        batch.create_index("ix_b2b_price_lists_group_id", ["group_id"])


def downgrade() -> None:
    with op.batch_alter_table("b2b_price_lists") as batch:
        batch.drop_index("ix_b2b_price_lists_group_id")
        batch.drop_column("group_id")
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
