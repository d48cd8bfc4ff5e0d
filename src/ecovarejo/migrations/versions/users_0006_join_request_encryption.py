"""Users: the address of someone who tried to register a company that already has an account encrypted at rest,
with a blind index (the erasure of that address's account finds its attempts by it).

The column becomes text; rows written before are encrypted here and indexed, in the migration's transaction
(a failure rolls everything back), under a data key of the configured key-encryption key; an empty table
creates no key. ``downgrade`` decrypts them and drops the index.

Revision ID: users_0006
Revises: users_0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core import crypto
from ecovarejo.core.crypto_migrate import Column, decrypt, encrypt

revision = "users_0006"
down_revision = "users_0005"
branch_labels = None
depends_on = "core_0003"

TABLE = "user_company_join_requests"
COLUMNS = (Column("requester_email", sa.String(320), nullable=False),)
INDEX = "ix_user_company_join_requests_tenant_email_index"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("requester_email_index", sa.String(64), nullable=True))
        batch.create_index(INDEX, ["tenant_id", "requester_email_index"])
    if not encrypt(TABLE, COLUMNS):
        return
    from ecovarejo.core.settings import get_settings

    settings = get_settings()
    conn = op.get_bind()
    ring = crypto.Keyring(crypto.Keks.from_settings(settings.data_kek, settings.load_secret_key()))
    t = sa.Table(
        TABLE,
        sa.MetaData(),
        sa.Column("id", sa.Uuid()),
        sa.Column("tenant_id", sa.Uuid()),
        sa.Column("requester_email", crypto.Encrypted(f"{TABLE}.requester_email")),
        sa.Column("requester_email_index", sa.String(64)),
    )
    with crypto.using(ring):
        ring.load_sync(conn, create=True)
        for row_id, tenant_id, email in conn.execute(sa.select(t.c.id, t.c.tenant_id, t.c.requester_email)).all():
            index = ring.blind_index(tenant_id, email)
            conn.execute(sa.update(t).where(t.c.id == row_id).values(requester_email_index=index))


def downgrade() -> None:
    decrypt(TABLE, COLUMNS)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_index(INDEX)
        batch.drop_column("requester_email_index")
