"""Users: CPF, phone and the addresses' recipient, street and CEP encrypted at rest; the CPF's blind index.

The columns become text (a ciphertext is longer than the value). Rows written before are encrypted here,
in batches inside the migration's transaction (a failure rolls everything back), under a data key
created with the configured key-encryption key; an empty database creates no key (the application does
at its first write). Reading tolerates a value not yet encrypted, and the rotation job encrypts any left.

Revision ID: users_0002
Revises: users_0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ecovarejo.core import crypto

revision = "users_0002"
down_revision = "users_0001"
branch_labels = None
depends_on = "core_0003"

COLUMNS = {
    "users": ("phone", "cpf"),
    "user_addresses": ("recipient_name", "address_line1", "address_line2", "postal_code"),
}


def _tables() -> dict[str, sa.Table]:
    meta = sa.MetaData()
    users = sa.Table(
        "users",
        meta,
        sa.Column("id", sa.Uuid()),
        sa.Column("tenant_id", sa.Uuid()),
        sa.Column("phone", crypto.Encrypted("users.phone")),
        sa.Column("cpf", crypto.Encrypted("users.cpf", index="cpf_index")),
        sa.Column("cpf_index", sa.String(64)),
    )
    addresses = sa.Table(
        "user_addresses",
        meta,
        sa.Column("id", sa.Uuid()),
        sa.Column("tenant_id", sa.Uuid()),
        *(sa.Column(c, crypto.Encrypted(f"user_addresses.{c}")) for c in COLUMNS["user_addresses"]),
    )
    return {"users": users, "user_addresses": addresses}


LENGTHS = {"phone": 20, "cpf": 11, "recipient_name": 200, "address_line1": 255, "address_line2": 255, "postal_code": 20}
NOT_NULL = {"address_line1", "postal_code"}


def _retype(to_text: bool) -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                old, new = sa.String(LENGTHS[column]), sa.Text()
                batch.alter_column(
                    column,
                    type_=new if to_text else old,
                    existing_type=old if to_text else new,
                    existing_nullable=column not in NOT_NULL,
                )


def upgrade() -> None:
    _retype(True)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("cpf_index", sa.String(64), nullable=True))
        batch.create_index("ix_users_tenant_cpf_index", ["tenant_id", "cpf_index"])
    conn = op.get_bind()
    tables = _tables()
    pending = sum(
        conn.execute(
            sa.select(sa.func.count()).select_from(t).where(sa.or_(*(t.c[c].isnot(None) for c in cols)))
        ).scalar_one()
        for name, cols in COLUMNS.items()
        for t in (tables[name],)
    )
    if not pending:
        return
    from ecovarejo.core.settings import get_settings

    settings = get_settings()
    ring = crypto.Keyring(crypto.Keks.from_settings(settings.data_kek, settings.load_secret_key()))
    with crypto.using(ring):
        ring.load_sync(conn, create=True)
        for name, cols in COLUMNS.items():
            t = tables[name]
            for column in cols:
                rows = conn.execute(sa.select(t.c.id, t.c.tenant_id, t.c[column]).where(t.c[column].isnot(None)))
                for row_id, tenant_id, value in rows.all():
                    values = {column: value}
                    if column == "cpf":
                        values["cpf_index"] = ring.blind_index(tenant_id, value)
                    conn.execute(sa.update(t).where(t.c.id == row_id).values(values))


def downgrade() -> None:
    """Values back in clear (the keys must still be loadable), then the columns' old types."""
    conn = op.get_bind()
    tables = _tables()
    encrypted = sum(
        conn.execute(
            sa.select(sa.func.count())
            .select_from(t)
            .where(sa.or_(*(sa.type_coerce(t.c[c], sa.Text()).like(f"{crypto.PREFIX}%") for c in cols)))
        ).scalar_one()
        for name, cols in COLUMNS.items()
        for t in (tables[name],)
    )
    if encrypted:
        from ecovarejo.core.settings import get_settings

        settings = get_settings()
        ring = crypto.Keyring(crypto.Keks.from_settings(settings.data_kek, settings.load_secret_key()))
        with crypto.using(ring):
            ring.load_sync(conn, create=False)
            for name, cols in COLUMNS.items():
                t = tables[name]
                plain = sa.table(name, sa.column("id", sa.Uuid()), *(sa.column(c, sa.Text()) for c in cols))
                for column in cols:
                    rows = conn.execute(sa.select(t.c.id, t.c[column]).where(t.c[column].isnot(None))).all()
                    for row_id, value in rows:
                        conn.execute(sa.update(plain).where(plain.c.id == row_id).values({column: value}))
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_tenant_cpf_index")
        batch.drop_column("cpf_index")
    _retype(False)
