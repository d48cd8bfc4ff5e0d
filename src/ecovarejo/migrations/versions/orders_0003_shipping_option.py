"""Orders keep the chosen shipping option in its own column (it lived inside ``shipping_address``).

Revision ID: orders_0003
Revises: orders_0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "orders_0003"
down_revision = "orders_0002"
branch_labels = None
depends_on = None

ORDERS = sa.table(
    "orders",
    sa.column("id", sa.Uuid()),
    sa.column("shipping_address", sa.JSON()),
    sa.column("shipping_option", sa.JSON()),
)


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


def _move(from_address: bool) -> None:
    """Move the option between the address document and the column, for the orders that have one."""
    bind = op.get_bind()
    if from_address:
        where = sa.cast(ORDERS.c.shipping_address, sa.Text).like('%"shipping_option"%')
    else:
        where = ORDERS.c.shipping_option.is_not(None)
    rows = bind.execute(sa.select(ORDERS.c.id, ORDERS.c.shipping_address, ORDERS.c.shipping_option).where(where))
    for order_id, address, option in rows.fetchall():
        addr = _as_dict(address)
        if from_address:
            chosen = addr.pop("shipping_option", None)
            values = {"shipping_address": addr, "shipping_option": chosen if isinstance(chosen, dict) else None}
        else:
            values = {"shipping_address": {**addr, "shipping_option": _as_dict(option)}, "shipping_option": None}
        bind.execute(sa.update(ORDERS).where(ORDERS.c.id == order_id).values(**values))


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("shipping_option", sa.JSON(), nullable=True))
    _move(from_address=True)


def downgrade() -> None:
    _move(from_address=False)
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("shipping_option")
