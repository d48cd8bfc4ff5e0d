"""A product's certificate keeps the issuer typed for it and a link to its document.

Revision ID: products_0003
Revises: products_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "products_0003"
down_revision = "products_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("product_certifications") as batch:
        batch.add_column(sa.Column("issuer", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("document_url", sa.String(500), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("product_certifications") as batch:
        batch.drop_column("document_url")
        batch.drop_column("issuer")
