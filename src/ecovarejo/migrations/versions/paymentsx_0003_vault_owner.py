"""Card tokens belong to a customer: ``owner_id`` on vault tokens, fingerprint unique per owner.

Existing rows get an owner only when it is proven: the token was detokenized by exactly one user (the
vault's access audit names the charging customer). Every other row stays ``owner_id = NULL``:
quarantined (nobody can see or charge it; its customer stores the card again and gets their own token).

Downgrade drops the owner; rows that would then collide on (tenant, fingerprint) keep the oldest.

Revision ID: paymentsx_0003
Revises: paymentsx_0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "paymentsx_0003"
down_revision = "paymentsx_0002"
branch_labels = None
depends_on = None

_tokens = sa.table(
    "payment_vault_tokens",
    sa.column("id", sa.Uuid()),
    sa.column("tenant_id", sa.Uuid()),
    sa.column("token", sa.String()),
    sa.column("fingerprint", sa.String()),
    sa.column("owner_id", sa.Uuid()),
    sa.column("created_at", sa.DateTime()),
)
_access = sa.table(
    "payment_vault_access", sa.column("tenant_id", sa.Uuid()), sa.column("token", sa.String()),
    sa.column("actor", sa.String()),
)  # fmt: skip


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def upgrade() -> None:
    with op.batch_alter_table("payment_vault_tokens") as batch:
        batch.add_column(sa.Column("owner_id", sa.Uuid(), nullable=True))
        batch.drop_constraint("uq_payment_vault_tokens_tenant_fingerprint", type_="unique")
        batch.create_unique_constraint(
            "uq_payment_vault_tokens_owner_fingerprint", ["tenant_id", "owner_id", "fingerprint"]
        )
        batch.create_index("ix_payment_vault_tokens_owner_id", ["owner_id"])
    conn = op.get_bind()
    users: dict[tuple[uuid.UUID, str], set[uuid.UUID | None]] = {}
    for tenant_id, token, actor in conn.execute(sa.select(_access.c.tenant_id, _access.c.token, _access.c.actor)):
        users.setdefault((tenant_id, token), set()).add(_uuid(actor))
    for (tenant_id, token), who in users.items():
        if len(who) == 1 and None not in who:
            conn.execute(
                sa.update(_tokens)
                .where(_tokens.c.tenant_id == tenant_id, _tokens.c.token == token)
                .values(owner_id=next(iter(who)))
            )


def downgrade() -> None:
    conn = op.get_bind()
    seen: set[tuple[uuid.UUID, str]] = set()
    rows = conn.execute(
        sa.select(_tokens.c.id, _tokens.c.tenant_id, _tokens.c.fingerprint).order_by(_tokens.c.created_at)
    ).all()
    for row_id, tenant_id, fingerprint in rows:
        if (tenant_id, fingerprint) in seen:
            conn.execute(sa.delete(_tokens).where(_tokens.c.id == row_id))
        seen.add((tenant_id, fingerprint))
    with op.batch_alter_table("payment_vault_tokens") as batch:
        batch.drop_index("ix_payment_vault_tokens_owner_id")
        batch.drop_constraint("uq_payment_vault_tokens_owner_fingerprint", type_="unique")
        batch.create_unique_constraint("uq_payment_vault_tokens_tenant_fingerprint", ["tenant_id", "fingerprint"])
        batch.drop_column("owner_id")
