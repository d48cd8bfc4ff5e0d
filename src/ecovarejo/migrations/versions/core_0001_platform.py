"""Kernel tables: tenants, outbox, inbox, dead letters; the restricted application role.

Revision ID: core_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import app_role, is_postgres
from ecovarejo.core.models import DEFAULT_TENANT_ID

revision = "core_0001"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    if is_postgres():
        role = app_role()
        op.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
            f'CREATE ROLE "{role}" NOLOGIN; END IF; END $$'
        )
        op.execute(f'GRANT "{role}" TO CURRENT_USER')
        op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    tenants = op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(63), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(253), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tenants"),
        sa.UniqueConstraint("slug", name="uq_tenants_slug"),
        sa.UniqueConstraint("domain", name="uq_tenants_domain"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["created_at"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dead_letters"),
    )
    if is_postgres():
        role = app_role()
        # Tenant work writes events and inbox rows; it reads tenants to resolve requests.
        op.execute(f'GRANT SELECT ON tenants TO "{role}"')
        op.execute(f'GRANT SELECT, INSERT ON outbox TO "{role}"')
        op.execute(f'GRANT SELECT, INSERT ON inbox TO "{role}"')
        op.execute(f'GRANT SELECT, INSERT ON dead_letters TO "{role}"')
    from datetime import UTC, datetime

    op.bulk_insert(
        tenants,
        [
            {
                "id": DEFAULT_TENANT_ID,
                "slug": "default",
                "name": "EcoVarejo",
                "domain": None,
                "is_active": True,
                "settings": {},
                "created_at": datetime.now(UTC),
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("dead_letters")
    op.drop_table("inbox")
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("tenants")
