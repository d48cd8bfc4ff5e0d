"""Past payments written in bulk (the demo's year of history, through the orders context's history
import): one payment per past order, as it ended — so that every reader of the payments context (order
pages, analytics' payment-method report, a backfill) sees how each past order was paid."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import Table, insert

from ecovarejo.core.uow import UnitOfWork

from .models import Payment

HISTORY_GATEWAY = "history"
ZERO = Decimal("0")


@dataclass(frozen=True)
class PastPayment:
    order_id: uuid.UUID
    method: str
    amount: Decimal
    at: datetime
    #: False: the order was cancelled before the money was taken (the authorization voided).
    captured: bool = True
    refunded: Decimal = ZERO


async def import_payments(uow: UnitOfWork, payments: list[PastPayment]) -> int:
    tid = uow.tenant_id
    rows: list[dict[str, object]] = []
    for p in payments:
        captured = p.amount if p.captured else ZERO
        refunded = min(p.refunded, captured)
        status = (
            "voided" if not p.captured else
            "refunded" if refunded and refunded >= captured else
            "partially_refunded" if refunded else "captured"
        )  # fmt: skip
        rows.append({"id": uuid.uuid4(), "tenant_id": tid, "order_id": p.order_id, "gateway": HISTORY_GATEWAY,
                     "gateway_reference": None, "method": p.method[:20], "card_last4": None, "currency": "BRL",
                     "amount": p.amount, "authorized_amount": p.amount, "captured_amount": captured,
                     "refunded_amount": refunded, "status": status, "failure_code": None,
                     "created_at": p.at, "updated_at": p.at})  # fmt: skip
    if rows:
        await uow.session.execute(insert(cast(Table, Payment.__table__)), rows)
    return len(rows)
