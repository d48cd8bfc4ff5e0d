"""Notifications: a recipient erased under the LGPD stays as a tombstone (``erased_at``).

Revision ID: notifications_0002
Revises: notifications_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core.db import UTCDateTime

revision = "notifications_0002"
down_revision = "notifications_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification_recipients") as batch:
        batch.add_column(sa.Column("erased_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification_recipients") as batch:
        batch.drop_column("erased_at")
