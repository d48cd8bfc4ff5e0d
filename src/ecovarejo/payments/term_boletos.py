"""Boletos for invoiced terms (faturado): one pending payment per instalment, owned by no order (the b2b
context links it to its instalment), so that paying it never moves an order; the bank's notification
confirms it (``payment.captured`` with ``order_id: null``) and it never expires (an overdue instalment
stays due)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork

from . import boleto
from .instant import create_boleto
from .repository import set_status

#: The issuing bank's code on the boletos (the sandbox's; a real deployment's bank contract).
BANK = "341"


@dataclass(frozen=True)
class IssuedBoleto:
    payment_id: uuid.UUID
    line: str
    barcode: str
    amount: Decimal
    due: date


async def issue_term_boleto(uow: UnitOfWork, amount: Decimal, due: date) -> IssuedBoleto:
    """A boleto for ``amount`` due on ``due`` and its pending payment (no instruction row: no expiry)."""
    b = boleto.issue(BANK, quantize(amount), due, f"{secrets.randbelow(10**25):025d}")
    payment = await create_boleto(uow, b, order_id=None)
    return IssuedBoleto(payment.id, b.formatted_line, b.barcode, b.amount, due)


async def cancel_term_boleto(uow: UnitOfWork, payment_id: uuid.UUID) -> bool:
    """Withdraw an unpaid term boleto (its instalment was cancelled or reduced): its pending payment is
    ``voided``; False when it was no longer pending (paid meanwhile)."""
    return await set_status(uow, payment_id, ("pending",), "voided")
