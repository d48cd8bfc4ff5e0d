"""What the fiscal context needs to know of an order to invoice it (the NF-e), declared here (fiscal sits
below orders); the orders context implements it and provides it as the ``InvoiceSource`` port."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from ecovarejo.core.uow import UnitOfWork


@dataclass(frozen=True)
class InvoiceLine:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class OrderToInvoice:
    id: uuid.UUID
    number: str
    user_id: uuid.UUID
    status: str
    created_at: datetime
    email: str | None
    #: The order's shipping address (recipient, street, number, complement, district, city, state, postal_code).
    shipping_address: dict[str, Any]
    billing_address: dict[str, Any] | None
    lines: tuple[InvoiceLine, ...]
    subtotal: Decimal
    discount: Decimal
    shipping_cost: Decimal
    tax_amount: Decimal
    total: Decimal
    po_number: str | None


@runtime_checkable
class InvoiceSource(Protocol):
    async def order_to_invoice(self, uow: UnitOfWork, order_id: uuid.UUID) -> OrderToInvoice | None: ...
