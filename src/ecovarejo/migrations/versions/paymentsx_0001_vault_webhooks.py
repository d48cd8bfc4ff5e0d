"""Payments providers layer: vault keys and tokens, vault access audit, webhook events, disputes,
reconciliations.

Revision ID: paymentsx_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "paymentsx_0001"
down_revision = None
branch_labels = ("paymentsx",)
depends_on = "payments_0001"

TABLES = (
    "payment_vault_keys",
    "payment_vault_tokens",
    "payment_vault_access",
    "payment_webhook_events",
    "payment_disputes",
    "payment_reconciliations",
)


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.Uuid(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "payment_vault_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("master_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("rewrapped_at", UTCDateTime(), nullable=True),
        _tenant(),
        sa.PrimaryKeyConstraint("id", name="pk_payment_vault_keys"),
        sa.UniqueConstraint("tenant_id", "version", name="uq_payment_vault_keys_tenant_version"),
    )
    op.create_table(
        "payment_vault_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("brand", sa.String(20), nullable=False),
        sa.Column("exp_month", sa.SmallInteger(), nullable=False),
        sa.Column("exp_year", sa.SmallInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _tenant(),
        sa.PrimaryKeyConstraint("id", name="pk_payment_vault_tokens"),
        sa.UniqueConstraint("tenant_id", "token", name="uq_payment_vault_tokens_tenant_token"),
        sa.UniqueConstraint("tenant_id", "fingerprint", name="uq_payment_vault_tokens_tenant_fingerprint"),
    )
    op.create_table(
        "payment_vault_access",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("actor", sa.String(100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _tenant(),
        sa.PrimaryKeyConstraint("id", name="pk_payment_vault_access"),
    )
    op.create_index("ix_payment_vault_access_token", "payment_vault_access", ["token"])
    op.create_table(
        "payment_webhook_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("event_id", sa.String(120), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("reference", sa.String(120), nullable=True),
        sa.Column("status", sa.String(30), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _tenant(),
        sa.PrimaryKeyConstraint("id", name="pk_payment_webhook_events"),
        sa.UniqueConstraint("tenant_id", "provider", "event_id", name="uq_payment_webhook_events_provider_event"),
    )
    op.create_index("ix_payment_webhook_events_reference", "payment_webhook_events", ["reference"])
    op.create_table(
        "payment_disputes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("dispute_id", sa.String(120), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(120), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        _tenant(),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payment_disputes"),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name="fk_payment_disputes_payment_id_payments", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("tenant_id", "provider", "dispute_id", name="uq_payment_disputes_provider_id"),
    )
    op.create_index("ix_payment_disputes_payment_id", "payment_disputes", ["payment_id"])
    op.create_table(
        "payment_reconciliations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("missing_in_ledger", sa.Integer(), nullable=False),
        sa.Column("missing_in_report", sa.Integer(), nullable=False),
        sa.Column("mismatches", sa.Integer(), nullable=False),
        sa.Column("fees", sa.BigInteger(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _tenant(),
        sa.PrimaryKeyConstraint("id", name="pk_payment_reconciliations"),
    )
    for table in TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
