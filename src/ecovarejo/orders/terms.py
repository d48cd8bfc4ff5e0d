"""Orders on invoiced terms (faturado, docs/b2b.md): the payment method's name, the history reason of an
order confirmed on terms, the invoice as the order's JSON shows it (the b2b context keeps it), and its
refunds: an order on terms has no payment to refund, so a refund (or a cancellation) takes the amount off
its invoice (:func:`ecovarejo.b2b.public.reduce_invoice`) in the transaction that records it on the order."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from ecovarejo.b2b import public as b2b
from ecovarejo.core.errors import Conflict
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.inventory import public as inventory

from . import lifecycle
from . import repository as repo
from .models import Order

#: Invoiced terms (faturado): an approved company's order is confirmed without payment, its invoice split
#: into instalments (boletos) that fall due later.
ON_TERMS = "invoice"
#: The history reason of an order confirmed on invoiced terms (it moves to ``paid`` without a capture).
CONFIRMED_ON_TERMS = "confirmed on invoiced terms"


def invoice_json(inv: b2b.InvoiceView) -> dict[str, Any]:
    """The invoice of an order on terms as the order's JSON shows it."""
    return {
        "id": str(inv.id), "terms": inv.terms, "total": str(inv.total), "status": inv.status,
        "po_number": inv.po_number, "issued_on": inv.issued_on.isoformat(),
        "instalments": [
            {"id": str(p.id), "number": p.number, "amount": str(p.amount), "due_on": p.due_on.isoformat(),
             "status": p.status, "overdue": p.overdue, "boleto_line": p.boleto_line}
            for p in inv.instalments
        ],
    }  # fmt: skip


def adjustment_note(adj: b2b.InvoiceAdjustment) -> str:
    """The order history's words for what a refund did to the invoice."""
    note = f"invoice reduced by {adj.reduced}"
    if adj.to_return > 0:
        note += f"; {adj.to_return} already paid, to return to the company"
    return note


async def refund_on_terms(
    uow: UnitOfWork,
    order: Order,
    amount: Decimal,
    *,
    now: datetime,
    actor: str,
    reason: str | None,
    moves_status: bool = True,
) -> b2b.InvoiceAdjustment | None:
    """Refund ``amount`` of an order on terms: its invoice shrinks (open instalments reduced or cancelled,
    the last due first), the order's refunded total grows, its status moves as for a paid refund (unless
    it is cancelled) and ``order.refunded`` is emitted (a whole refund cancels the NF-e). None: the order
    has no invoice on terms (nothing done). ``moves_status=False``: the caller (a cancellation) moves it."""
    amount = quantize(amount)
    adj = await b2b.reduce_invoice(uow, order.id, amount, now)
    if adj is None:
        return None
    if not await repo.set_refunded(uow, order.id, order.refunded_amount, order.refunded_amount + amount):
        raise Conflict("the order changed meanwhile: try again", code="order_changed")
    fresh = await repo.get_order(uow, order.id)
    assert fresh is not None
    # What happened to the invoice first; the step with the reason given last (the NF-e's cancellation
    # justification reads the latest reason: InvoiceSource.refund_reason).
    lifecycle.record(uow, fresh, fresh.status, fresh.status, actor, adjustment_note(adj))
    if moves_status and fresh.status != "cancelled":
        if fresh.refunded_amount >= fresh.total_amount and lifecycle.can(fresh.status, "refunded"):
            before = fresh.status
            fresh = await lifecycle.transition(uow, fresh, "refunded", actor=actor, reason=reason)
            if before in ("paid", "fulfilling") and fresh.reservation_id:
                await inventory.restock_reservation(uow, fresh.reservation_id, reason="refunded", actor=actor)
        elif fresh.refunded_amount < fresh.total_amount and lifecycle.can(fresh.status, "partially_refunded"):
            fresh = await lifecycle.transition(uow, fresh, "partially_refunded", actor=actor, reason=reason)
        else:
            lifecycle.record(uow, fresh, fresh.status, fresh.status, actor, reason)
    lifecycle.emit_refunded(uow, fresh, await repo.items(uow, [fresh.id]), amount)
    return adj


async def is_on_terms(uow: UnitOfWork, order_id: uuid.UUID, now: datetime) -> bool:
    return await b2b.invoice_for_order(uow, order_id, now) is not None
