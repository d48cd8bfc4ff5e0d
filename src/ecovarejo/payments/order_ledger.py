"""Money integrity between payments and the orders they pay.

The rule (documented in docs/security.md): a charge created for an order — card, Pix or boleto, by
the checkout or through ``/api/v1/payments/*`` — is for **exactly the order's outstanding balance**
(its total minus what was captured net of refunds, minus what is already in flight: authorized or a
pending Pix/boleto). There are no partial payments: while one charge is in flight, another is refused
(``409 order_payment_in_progress``); once it expires or is voided, a new one may be made. A charge is
only for an order the caller owns (or for staff holding ``handle_payments``), in the caller's tenant
(the unit of work's tenant filter), and only while the order awaits payment.

The orders context (a higher layer) implements :class:`OrderBook` and provides it as the
``OrderBook`` port (``container.ports.provide(OrderBook, ...)``); the payments context never reads
order rows itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.errors import Conflict, DomainError, InvalidInput, NotFound
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo


@dataclass(frozen=True)
class PayableOrder:
    id: uuid.UUID
    user_id: uuid.UUID
    status: str
    total: Decimal
    currency: str


class OrderBook(Protocol):
    """What payments may know about an order: who owns it, what it costs, whether it awaits payment."""

    async def payable_order(self, uow: UnitOfWork, order_id: uuid.UUID, *, lock: bool = False) -> PayableOrder | None:
        """The order in the unit of work's tenant (``None`` when there is none); ``lock`` takes its row lock."""
        ...


@dataclass(frozen=True)
class OrderMoney:
    """The money of one order's payments: captured net of refunds, and what is still in flight."""

    captured: Decimal
    refunded: Decimal
    in_flight: Decimal

    @property
    def net(self) -> Decimal:
        return self.captured - self.refunded


async def order_money(uow: UnitOfWork, order_id: uuid.UUID, *, lock: bool = False) -> OrderMoney:
    """Sums over the order's payments; ``lock`` row-locks them (PostgreSQL) so that a refund or capture
    of one of them waits for this transaction."""
    captured, refunded, in_flight = await repo.order_sums(uow, order_id, lock=lock)
    return OrderMoney(quantize(captured), quantize(refunded), quantize(in_flight))


def order_book_of(container: Container) -> OrderBook | None:
    return container.ports.find(OrderBook)


async def outstanding_for_charge(
    uow: UnitOfWork, book: OrderBook | None, principal: Principal, order_id: uuid.UUID
) -> Decimal:
    """The amount a new charge for ``order_id`` must be, after every check above (locks the order)."""
    if book is None:
        raise DomainError("orders are not served by this process", code="orders_unavailable", status=503)
    order = await book.payable_order(uow, order_id, lock=True)
    if order is None or (order.user_id != principal.user_id and not principal.can("handle_payments")):
        # Someone else's order looks exactly like a missing one: no oracle for order ids.
        raise NotFound("unknown order", code="order_not_found")
    if order.status != "awaiting_payment":
        raise Conflict(f"the order is {order.status}; it does not await payment", code="order_not_payable")
    money = await order_money(uow, order_id, lock=True)
    outstanding = quantize(order.total - money.net - money.in_flight)
    if money.in_flight > 0:
        raise Conflict(
            "a payment for this order is already in progress", code="order_payment_in_progress",
            extra={"in_flight": str(money.in_flight)},
        )  # fmt: skip
    if outstanding <= 0:
        raise Conflict("the order is already covered", code="order_already_paid")
    return outstanding


def require_exact(amount: Decimal | None, outstanding: Decimal) -> Decimal:
    """No partial payments and no overpayment: the charge is the outstanding balance (or omitted)."""
    if amount is not None and quantize(amount) != outstanding:
        raise InvalidInput(
            "the amount must be the order's outstanding balance", code="amount_mismatch",
            extra={"outstanding": str(outstanding)},
        )  # fmt: skip
    return outstanding
