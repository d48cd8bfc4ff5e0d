"""Orders and the fiscal context: the order data the NF-e needs (an adapter of fiscal's ``InvoiceSource``
port, provided at install)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from ecovarejo.b2b import public as b2b
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.fiscal.public import InvoiceInstalment, InvoiceLine, OrderToInvoice, TermsInvoice

from . import repository as repo


class InvoiceSourceAdapter:
    """``fiscal.public.InvoiceSource``: an order as the fiscal context needs it to issue its NF-e."""

    async def order_to_invoice(self, uow: UnitOfWork, order_id: uuid.UUID) -> OrderToInvoice | None:
        order = await repo.get_order(uow, order_id)
        if order is None:
            return None
        items = await repo.items(uow, [order.id])
        return OrderToInvoice(
            id=order.id,
            number=order.order_number,
            user_id=order.user_id,
            status=order.status,
            created_at=order.created_at,
            email=order.email,
            shipping_address=dict(order.shipping_address or {}),
            billing_address=dict(order.billing_address) if order.billing_address else None,
            lines=tuple(
                InvoiceLine(i.sku, i.name, i.quantity, Decimal(i.unit_price), Decimal(i.line_total)) for i in items
            ),
            subtotal=Decimal(order.subtotal),
            discount=Decimal(order.discount_amount) + Decimal(order.loyalty_discount),
            shipping_cost=Decimal(order.shipping_cost),
            tax_amount=Decimal(order.tax_amount),
            total=Decimal(order.total_amount),
            po_number=order.po_number,
            terms_invoice=await _terms_invoice(uow, order.id, order.created_at),
        )

    async def refund_reason(self, uow: UnitOfWork, order_id: uuid.UUID) -> str | None:
        """The reason of the order's latest history entry: a full refund (or the cancellation that gave the
        money back) is the last step an order takes, and it records the reason staff or the buyer gave."""
        reasons = [h.reason for h in await repo.history(uow, order_id) if h.reason]
        return reasons[-1] if reasons else None


async def _terms_invoice(uow: UnitOfWork, order_id: uuid.UUID, at: datetime) -> TermsInvoice | None:
    """The order's invoice on terms (b2b), for the NF-e's ``cobr``: its live instalments (one indexed read
    for any order; a second only for an order on terms)."""
    inv = await b2b.invoice_for_order(uow, order_id, at)
    if inv is None:
        return None
    live = tuple(InvoiceInstalment(p.number, p.due_on, p.amount) for p in inv.instalments if p.status != "cancelled")
    return TermsInvoice(inv.order_number, inv.total, sum((p.amount for p in live), Decimal("0.00")), live)
