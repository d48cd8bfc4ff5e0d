"""No card numbers on our servers: stored cards become providers' tokens.

Until now the vault sealed card numbers (PANs). From this revision it keeps only the token the
provider's own browser form made (``payments/vault.py``). The sealed PANs are deleted here (the
ciphertexts are crypto-shredded rows: nothing else refers to them; the access audit stays); their
customers store the card again through the checkout's card form. Downgrade restores nothing.

Revision ID: paymentsx_0004
Revises: paymentsx_0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "paymentsx_0004"
down_revision = "paymentsx_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM payment_vault_tokens"))


def downgrade() -> None:
    pass  # deleted card numbers are not coming back
