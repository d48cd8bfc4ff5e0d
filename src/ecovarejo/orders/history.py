"""Importing past orders in bulk: the demo's year of history, or a shop's history from another platform.

The orders arrive complete (their final status, amounts and lines as they were), so no checkout,
stock, payment or event runs for them: they are the record of what already happened. Rows are
written with bulk inserts (thousands per second), in the caller's unit of work.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ecovarejo.core.uow import UnitOfWork
from ecovarejo.payments import public as payments

from . import repository as repo
from .checkout import _ALPHABET


@dataclass(frozen=True)
class PastLine:
    product_id: uuid.UUID | None
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    carbon_footprint_kg: Decimal = Decimal("0")
    sustainability_score: Decimal = Decimal("0")
    certified: bool = False

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class PastOrder:
    id: uuid.UUID
    user_id: uuid.UUID
    placed_at: datetime
    #: The status it ended in (``delivered``, ``refunded``, ``cancelled``...), reached via ``path``.
    status: str
    path: tuple[str, ...]
    lines: tuple[PastLine, ...]
    state: str
    subtotal: Decimal
    discount: Decimal
    loyalty_discount: Decimal
    shipping: Decimal
    total: Decimal
    refunded: Decimal
    carbon_footprint: Decimal
    sustainability_score: int
    eco_packaging: bool
    coupon_codes: tuple[str, ...] = ()
    carrier: str | None = None
    email: str | None = None
    first_name: str | None = None
    address: dict[str, Any] = field(default_factory=dict)
    #: How it was paid (``card``, ``pix``, ``boleto``): written as the payments context's past payment.
    payment_method: str | None = None


def order_number(at: datetime) -> str:
    # one draw for the eight characters (uniform, as eight ``secrets.choice``; a year of history imports fast)
    n = secrets.randbelow(len(_ALPHABET) ** 8)
    chars = []
    for _ in range(8):
        n, k = divmod(n, len(_ALPHABET))
        chars.append(_ALPHABET[k])
    return f"EV-{at:%y%m%d}-{''.join(chars)}"


async def import_orders(uow: UnitOfWork, orders: list[PastOrder]) -> int:
    """Write ``orders`` with their items and status history; returns how many were written."""
    rows: list[dict[str, object]] = []
    items: list[dict[str, object]] = []
    history: list[dict[str, object]] = []
    tid = uow.tenant_id
    for o in orders:
        rows.append(
            {
                "id": o.id, "tenant_id": tid, "order_number": order_number(o.placed_at), "user_id": o.user_id,
                "status": o.status, "currency": "BRL", "subtotal": o.subtotal, "discount_amount": o.discount,
                "loyalty_discount": o.loyalty_discount, "tax_amount": Decimal("0"), "tax_included": True,
                "shipping_cost": o.shipping, "total_amount": o.total, "refunded_amount": o.refunded,
                "shipping_address": {**o.address, "state": o.state}, "billing_address": None,
                "shipping_state": o.state, "carbon_footprint": o.carbon_footprint,
                "sustainability_score": o.sustainability_score, "eco_packaging": o.eco_packaging, "email": o.email,
                "first_name": o.first_name, "locale": "pt-BR", "coupon_codes": list(o.coupon_codes),
                "carrier": o.carrier, "created_at": o.placed_at, "updated_at": o.placed_at,
            }
        )  # fmt: skip
        for ln in o.lines:
            items.append(
                {
                    "id": uuid.uuid4(), "tenant_id": tid, "order_id": o.id, "product_id": ln.product_id,
                    "variant_id": None, "sku": ln.sku, "name": ln.name[:300], "quantity": ln.quantity,
                    "unit_price": ln.unit_price,
                    "line_total": ln.line_total, "carbon_footprint_kg": ln.carbon_footprint_kg,
                    "sustainability_score": ln.sustainability_score, "certified": ln.certified,
                }
            )  # fmt: skip
        before: str | None = None
        for step in o.path:
            history.append(
                {
                    "id": uuid.uuid4(), "tenant_id": tid, "order_id": o.id, "from_status": before, "to_status": step,
                    "actor": "import", "reason": "history import", "created_at": o.placed_at,
                }
            )  # fmt: skip
            before = step
    await repo.bulk_insert_history(uow, rows, items, history)
    await payments.import_payments(uow, [
        payments.PastPayment(o.id, o.payment_method, o.total, o.placed_at, captured="paid" in o.path,
                             refunded=o.refunded)
        for o in orders if o.payment_method and o.total > 0
    ])  # fmt: skip
    return len(rows)


async def purchase_history(uow: UnitOfWork, *, limit: int, exclude_status: frozenset[str]) -> list[dict[str, Any]]:
    """The newest ``limit`` orders not in ``exclude_status`` (newest first), each with the fields of
    ``list_orders``' documents that models learn from (``id``, ``user_id``, ``status``, ``created_at``,
    ``total_amount``, the addresses and ``items`` with ``product_id``, ``sku``, ``quantity``,
    ``unit_price``), in the same formats, read with two column selects instead of pages of ORM rows."""
    orders, lines = await repo.purchase_rows(uow, limit=limit, exclude_status=exclude_status)
    by_order: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for order_id, product_id, sku, quantity, unit_price in lines:
        by_order.setdefault(order_id, []).append(
            {"product_id": str(product_id) if product_id else None, "sku": sku, "quantity": quantity,
             "unit_price": str(unit_price)}
        )  # fmt: skip
    return [
        {"id": str(oid), "user_id": str(user), "status": status, "created_at": at.isoformat(),
         "total_amount": str(total), "shipping_address": shipping, "billing_address": billing,
         "items": by_order.get(oid, [])}
        for oid, user, status, at, total, shipping, billing in orders
    ]  # fmt: skip
