"""Company addresses: kept by a company's administrators, offered to every member at checkout.

Revision ID: users_0004
Revises: users_0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "users_0004"
down_revision = "users_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "company_addresses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(50), nullable=False),
        sa.Column("address_line1", sa.String(255), nullable=False),
        sa.Column("address_line2", sa.String(255), nullable=True),
        sa.Column("district", sa.String(100), nullable=True),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("postal_code", sa.String(9), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_company_addresses"),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name="fk_company_addresses_company_id_companies", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_company_addresses_company_id", "company_addresses", ["company_id"])
    op.create_index("ix_company_addresses_tenant_id", "company_addresses", ["tenant_id"])
    enable_tenant_rls("company_addresses")


def downgrade() -> None:
    disable_tenant_rls("company_addresses")
    op.drop_table("company_addresses")
