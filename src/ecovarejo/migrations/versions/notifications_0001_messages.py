"""Notifications: recipient directory, preferences, push and back-in-stock subscriptions, messages.

Revision ID: notifications_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime
from ecovarejo.core.migrate import disable_tenant_rls, enable_tenant_rls

revision = "notifications_0001"
down_revision = None
branch_labels = ("notifications",)
depends_on = "core_0001"

TABLES = (
    "notification_recipients",
    "notification_preferences",
    "notification_push_subscriptions",
    "notification_stock_subscriptions",
    "notification_messages",
)


def upgrade() -> None:
    op.create_table(
        "notification_recipients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("first_name", sa.String(100), nullable=True),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("user_type", sa.String(20), nullable=True),
        sa.Column("marketing_consent", sa.Boolean(), nullable=False),
        sa.Column("marketing_consent_version", sa.String(50), nullable=True),
        sa.Column("marketing_consent_at", UTCDateTime(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_recipients"),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_notification_recipients_user"),
    )
    op.create_index("ix_notification_recipients_tenant_id", "notification_recipients", ["tenant_id"])
    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_preferences"),
        sa.UniqueConstraint("tenant_id", "user_id", "channel", name="uq_notification_preferences_user"),
    )
    op.create_index("ix_notification_preferences_tenant_id", "notification_preferences", ["tenant_id"])
    op.create_table(
        "notification_push_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("endpoint", sa.String(1024), nullable=False),
        sa.Column("p256dh", sa.String(200), nullable=False),
        sa.Column("auth", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_push_subscriptions"),
        sa.UniqueConstraint("tenant_id", "endpoint", name="uq_notification_push_subscriptions_endpoint"),
    )
    op.create_index("ix_notification_push_subscriptions_tenant_id", "notification_push_subscriptions", ["tenant_id"])
    op.create_index("ix_notification_push_subscriptions_user_id", "notification_push_subscriptions", ["user_id"])
    op.create_table(
        "notification_stock_subscriptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(100), nullable=True),
        sa.Column("product_name", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("notified_at", UTCDateTime(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_stock_subscriptions"),
        sa.UniqueConstraint("tenant_id", "user_id", "product_id", name="uq_notification_stock_subscriptions_user"),
    )
    op.create_index("ix_notification_stock_subscriptions_tenant_id", "notification_stock_subscriptions", ["tenant_id"])
    op.create_index(
        "ix_notification_stock_subscriptions_product_id", "notification_stock_subscriptions", ["product_id"]
    )
    op.create_table(
        "notification_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("template", sa.String(60), nullable=False),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("to_address", sa.String(1024), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(300), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("provider_id", sa.String(300), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_messages"),
        sa.UniqueConstraint("tenant_id", "dedupe_key", name="uq_notification_messages_dedupe"),
    )
    op.create_index("ix_notification_messages_tenant_id", "notification_messages", ["tenant_id"])
    op.create_index("ix_notification_messages_user_id", "notification_messages", ["user_id"])
    op.create_index("ix_notification_messages_due", "notification_messages", ["status", "next_attempt_at"])
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(TABLES):
        disable_tenant_rls(table)
        op.drop_table(table)
