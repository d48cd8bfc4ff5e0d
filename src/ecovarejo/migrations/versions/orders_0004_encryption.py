"""Orders: the buyer's e-mail and first name and the shipping and billing addresses encrypted at rest.

The columns become text; rows written before are encrypted in the migration's transaction
(``ecovarejo.core.crypto_migrate``); the rotation job encrypts any left over.

Revision ID: orders_0004
Revises: orders_0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa

from ecovarejo.core.crypto_migrate import Column, decrypt, encrypt

revision = "orders_0004"
down_revision = "orders_0003"
branch_labels = None
depends_on = "core_0003"

COLUMNS = (
    Column("email", sa.String(255)),
    Column("first_name", sa.String(100)),
    Column("shipping_address", sa.JSON(), nullable=False),
    Column("billing_address", sa.JSON()),
)


def upgrade() -> None:
    encrypt("orders", COLUMNS)


def downgrade() -> None:
    decrypt("orders", COLUMNS)
