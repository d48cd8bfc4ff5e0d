"""Orders and the fiscal context: the order data the NF-e needs (an adapter of fiscal's ``InvoiceSource``
port, provided at install)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from ecovarejo.core.uow import UnitOfWork
from ecovarejo.fiscal.public import InvoiceLine, OrderToInvoice

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
        )
