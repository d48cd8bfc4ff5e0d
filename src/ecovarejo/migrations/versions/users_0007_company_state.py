"""Users: the state (UF) that issued a company's state registration, kept with it (issue #22); the IE is
checked against it when the company registers or its administrator edits it.

Revision ID: users_0007
Revises: users_0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "users_0007"
down_revision = "users_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("state", sa.String(2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("state")
