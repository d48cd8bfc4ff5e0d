"""What the fiscal context needs to know of an order to invoice it (the NF-e), declared here (fiscal sits
below orders); the orders context implements it and provides it as the ``InvoiceSource`` port."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
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
class InvoiceInstalment:
    """One instalment (duplicata) of an order sold on invoiced terms: the NF-e's ``cobr/dup``."""

    number: int
    due_on: date
    amount: Decimal


@dataclass(frozen=True)
class TermsInvoice:
    """The invoice (fatura) of an order sold on invoiced terms (*a prazo*): the NF-e's ``cobr/fat``.
    ``instalments`` are the ones still due or paid (cancelled ones are left out); ``original`` is the
    invoice's total when issued, ``net`` what its instalments add up to now."""

    number: str
    original: Decimal
    net: Decimal
    instalments: tuple[InvoiceInstalment, ...]


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
    #: The order's invoice on terms (b2b), when it was sold *a prazo*: the NF-e lists its instalments.
    terms_invoice: TermsInvoice | None = None


@runtime_checkable
class InvoiceSource(Protocol):
    async def order_to_invoice(self, uow: UnitOfWork, order_id: uuid.UUID) -> OrderToInvoice | None: ...

    async def refund_reason(self, uow: UnitOfWork, order_id: uuid.UUID) -> str | None:
        """Why the order was refunded (or cancelled), as its history records it: ``order.refunded`` carries no
        free text (LGPD art. 6 III). None when the order or the reason is unknown."""
        ...
