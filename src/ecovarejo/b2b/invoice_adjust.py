"""An order on invoiced terms refunded or cancelled: its invoice shrinks with it.

``reduce_invoice(uow, order_id, amount, now)`` runs in the transaction that records the refund (or the
cancellation) on the order. The amount comes off the **open** instalments, the last due first: one
brought to zero is ``cancelled`` with its boleto voided; one reduced keeps its number and due date with
a new boleto for what is left, and its old boleto is kept as a ``cancelled`` line (amount and digitable
line of the withdrawn boleto), so the invoice's history adds up. What the open instalments cannot absorb
was already paid: it is ``to_return`` (staff pay it back to the company; not automated). The open balance
is the sum of the open instalments, so the company's credit grows back at once. An invoice with no open
or paid instalment left is ``cancelled``; one whose open ones are all gone but some paid is ``paid``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.payments import public as payments

from . import credit_repository as repo
from .credit_models import Instalment

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class InvoiceAdjustment:
    """What a refund did to the invoice: ``reduced`` off its open instalments, ``to_return`` beyond them
    (already paid: owed back to the company), the instalments ``cancelled`` and ``reissued`` (numbers)."""

    invoice_id: uuid.UUID
    reduced: Decimal
    to_return: Decimal
    cancelled: tuple[int, ...]
    reissued: tuple[int, ...]
    status: str


async def reduce_invoice(
    uow: UnitOfWork, order_id: uuid.UUID, amount: Decimal, now: datetime
) -> InvoiceAdjustment | None:
    """Take ``amount`` off the order's invoice (None: the order was not sold on terms)."""
    inv = await repo.invoice_for_order(uow, order_id, lock=True)
    if inv is None:
        return None
    parts = (await repo.instalments_of(uow, [inv.id])).get(inv.id, [])
    left = quantize(amount)
    cancelled: list[int] = []
    reissued: list[int] = []
    for part in sorted((p for p in parts if p.status == "open"), key=lambda p: (p.due_on, p.number), reverse=True):
        if left <= 0:
            break
        take = min(left, part.amount)
        left -= take
        await payments.cancel_term_boleto(uow, part.payment_id)
        if take == part.amount:
            part.status = "cancelled"
            cancelled.append(part.number)
            continue
        old = Instalment(invoice_id=inv.id, company_id=inv.company_id, number=part.number, amount=part.amount,
                         due_on=part.due_on, payment_id=part.payment_id, boleto_line=part.boleto_line,
                         status="cancelled")  # fmt: skip
        repo.add(uow, old)
        boleto = await payments.issue_term_boleto(uow, part.amount - take, part.due_on)
        part.amount, part.payment_id, part.boleto_line = quantize(part.amount - take), boleto.payment_id, boleto.line
        reissued.append(part.number)
    statuses = {p.status for p in parts}
    if "open" not in statuses:
        inv.status = "paid" if "paid" in statuses else "cancelled"
    await uow.flush()
    reduced = quantize(amount) - left
    return InvoiceAdjustment(inv.id, reduced, left, tuple(cancelled), tuple(reissued), inv.status)
