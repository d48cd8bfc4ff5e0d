"""B2B quotes (RFQ): requests, their priced revisions and the buyer/staff history.

Revision ID: b2b_0004
Revises: b2b_0003t
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "b2b_0004"
down_revision = "b2b_0003t"
branch_labels = None
depends_on = None

TABLES = ("b2b_quotes", "b2b_quote_revisions", "b2b_quote_messages")


def upgrade() -> None:
    op.create_table(
        "b2b_quotes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(24), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_by", sa.Uuid(), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_b2b_quotes"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_b2b_quotes_tenant_number"),
    )
    for col in ("company_id", "requester_id", "status", "valid_until"):
        op.create_index(f"ix_b2b_quotes_{col}", "b2b_quotes", [col])
    op.create_table(
        "b2b_quote_revisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quote_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("payment_terms", sa.String(60), nullable=True),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.Column("terms_note", sa.String(1000), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("sent_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_b2b_quote_revisions"),
        sa.UniqueConstraint("quote_id", "revision", name="uq_b2b_quote_revisions_quote_revision"),
        sa.ForeignKeyConstraint(["quote_id"], ["b2b_quotes.id"], name="fk_b2b_quote_revisions_quote_id_b2b_quotes",
                                ondelete="CASCADE"),
    )  # fmt: skip
    op.create_index("ix_b2b_quote_revisions_quote_id", "b2b_quote_revisions", ["quote_id"])
    op.create_table(
        "b2b_quote_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quote_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("author_kind", sa.String(10), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("body", sa.String(2000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_b2b_quote_messages"),
        sa.ForeignKeyConstraint(["quote_id"], ["b2b_quotes.id"], name="fk_b2b_quote_messages_quote_id_b2b_quotes",
                                ondelete="CASCADE"),
    )  # fmt: skip
    op.create_index("ix_b2b_quote_messages_quote_id", "b2b_quote_messages", ["quote_id"])
    for table in TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
