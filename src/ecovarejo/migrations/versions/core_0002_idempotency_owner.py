"""The owner of an in-flight ``Idempotency-Key`` (host, process, instance): a retry takes over a key whose
owner is known dead at once, instead of waiting for the lease to lapse.

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = "payments_0001"  # where the idempotency_keys table was born


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("owner", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("owner")
