"""Notifications: the directory's e-mail, phone and first name and the messages' addresses encrypted at rest.

The columns become text; rows written before are encrypted in the migration's transaction
(``ecovarejo.core.crypto_migrate``); the rotation job encrypts any left over.

Revision ID: notifications_0003
Revises: notifications_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa

from ecovarejo.core.crypto_migrate import Column, decrypt, encrypt

revision = "notifications_0003"
down_revision = "notifications_0002"
branch_labels = None
depends_on = "core_0003"

RECIPIENTS = (
    Column("email", sa.String(320)),
    Column("phone", sa.String(32)),
    Column("first_name", sa.String(100)),
)
MESSAGES = (Column("to_address", sa.String(1024), nullable=False),)


def upgrade() -> None:
    encrypt("notification_recipients", RECIPIENTS)
    encrypt("notification_messages", MESSAGES)


def downgrade() -> None:
    decrypt("notification_messages", MESSAGES)
    decrypt("notification_recipients", RECIPIENTS)
