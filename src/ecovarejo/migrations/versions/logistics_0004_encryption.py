"""Logistics: the shipments' recipient (name and address), destination CEP, e-mail and first name
encrypted at rest.

The columns become text; rows written before are encrypted in the migration's transaction
(``ecovarejo.core.crypto_migrate``); the rotation job encrypts any left over.

Revision ID: logistics_0004
Revises: logistics_0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa

from ecovarejo.core.crypto_migrate import Column, decrypt, encrypt

revision = "logistics_0004"
down_revision = "logistics_0003"
branch_labels = None
depends_on = "core_0003"

COLUMNS = (
    Column("recipient", sa.JSON(), nullable=False),
    Column("destination_cep", sa.String(8), nullable=False),
    Column("email", sa.String(255)),
    Column("first_name", sa.String(100)),
)


def upgrade() -> None:
    encrypt("shipments", COLUMNS)


def downgrade() -> None:
    decrypt("shipments", COLUMNS)
