"""The order state machine, its history, and the ``order-events`` it emits.

    pending -> awaiting_payment -> paid -> fulfilling -> shipped -> delivered -> return_requested -> returned
    cancel: from pending, awaiting_payment, paid, fulfilling
    refunds: full -> refunded (terminal); partial -> partially_refunded (after delivery/return) or the
    amount only is recorded (before delivery)

Every change is a compare-and-set on the status (two racing transitions cannot both win) plus one
history row (who, when, why).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy.orm.attributes import set_committed_value

from ecovarejo.core.db import new_id, utcnow
from ecovarejo.core.errors import Conflict
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.payments import public as payments

from . import repository as repo
from .models import Order, OrderItem, OrderStatusChange

log = structlog.get_logger("ecovarejo.orders.lifecycle")
TOPIC = "order-events"
STATUSES = (
    "pending",
    "awaiting_payment",
    "paid",
    "fulfilling",
    "shipped",
    "delivered",
    "return_requested",
    "returned",
    "partially_refunded",
    "refunded",
    "cancelled",
)
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"awaiting_payment", "cancelled"}),
    "awaiting_payment": frozenset({"paid", "cancelled"}),
    "paid": frozenset({"fulfilling", "cancelled", "refunded"}),
    "fulfilling": frozenset({"shipped", "cancelled", "refunded"}),
    "shipped": frozenset({"delivered", "refunded"}),
    "delivered": frozenset({"return_requested", "partially_refunded", "refunded"}),
    "return_requested": frozenset({"returned", "delivered", "partially_refunded", "refunded"}),
    "returned": frozenset({"partially_refunded", "refunded"}),
    "partially_refunded": frozenset({"partially_refunded", "refunded", "return_requested", "returned"}),
    "refunded": frozenset(),
    "cancelled": frozenset(),
}
#: Statuses a customer may cancel from (before fulfilment starts).
CUSTOMER_CANCELLABLE = frozenset({"pending", "awaiting_payment", "paid"})
ADMIN_CANCELLABLE = frozenset({"pending", "awaiting_payment", "paid", "fulfilling"})
#: Event emitted on entering a status.
EVENTS = {
    "awaiting_payment": "order.placed",
    "paid": "order.paid",
    "cancelled": "order.cancelled",
    "shipped": "order.shipped",
    "delivered": "order.delivered",
}


def can(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def event_data(order: Order, items: list[OrderItem], **extra: Any) -> dict[str, Any]:
    """The ``data`` of every order event (documented in docs/events.md, "order-events"): ids, never the
    buyer's e-mail, name or address (consumers resolve a contact at send time, ``contacts.py``)."""
    return {
        "order_id": str(order.id),
        "order_number": order.order_number,
        "user_id": str(order.user_id),
        "locale": order.locale,
        "status": order.status,
        "total": str(order.total_amount),
        "currency": order.currency,
        "carbon_footprint_kg": str(order.carbon_footprint),
        "sustainability_score": order.sustainability_score,
        "items": [
            {
                "product_id": str(i.product_id) if i.product_id else None,
                "sku": i.sku,
                "name": i.name,
                "quantity": i.quantity,
                "unit_price": str(i.unit_price),
            }
            for i in items
        ],
        **extra,
    }


def record(
    uow: UnitOfWork, order: Order, from_status: str | None, to_status: str, actor: str | None, reason: str | None
) -> None:
    repo.add(
        uow,
        OrderStatusChange(
            order_id=order.id, from_status=from_status, to_status=to_status, actor=actor, reason=(reason or None)
        ),
    )


def place(
    uow: UnitOfWork,
    order: Order,
    items: list[OrderItem],
    *,
    actor: str | None,
    reason: str | None,
    payment_id: Any = None,
) -> None:
    """A new order (added, not yet written) goes ``pending -> awaiting_payment`` before anyone can see it:
    both history rows and ``order.placed``, as :func:`transition` would write them, without the UPDATE."""
    now = utcnow()
    order.status, order.payment_id, order.created_at, order.updated_at = "awaiting_payment", payment_id, now, now
    for from_status, to_status, why in ((None, "pending", "checkout"), ("pending", "awaiting_payment", reason)):
        repo.add(uow, OrderStatusChange(id=new_id(), order_id=order.id, from_status=from_status, to_status=to_status,
                                        actor=actor, reason=why or None, created_at=now))  # fmt: skip
    uow.emit(TOPIC, EVENTS["awaiting_payment"], event_data(order, items), subject=str(order.id))


async def transition(
    uow: UnitOfWork,
    order: Order,
    to_status: str,
    *,
    actor: str | None,
    reason: str | None = None,
    extra_event: dict[str, Any] | None = None,
    items: list[OrderItem] | None = None,
    **values: Any,
) -> Order:
    """Move ``order`` to ``to_status`` (illegal or lost races -> 409), write history, emit the event."""
    from_status = order.status
    if not can(from_status, to_status):
        raise Conflict(
            f"an order that is {from_status} cannot become {to_status}",
            code="illegal_transition",
            extra={"from": from_status, "to": to_status},
        )
    values = {"updated_at": utcnow(), **values}
    if not await repo.move_status(uow, order.id, from_status, to_status, **values):
        raise Conflict("the order changed meanwhile; reload and retry", code="order_changed")
    # The row now holds exactly these values: mirror them on the loaded object without another SELECT.
    for name, value in {"status": to_status, **values}.items():
        set_committed_value(order, name, value)
    record(uow, order, from_status, to_status, actor, reason)
    event = EVENTS.get(to_status)
    if event:
        if items is None:
            items = await repo.items(uow, [order.id])
        uow.emit(TOPIC, event, event_data(order, items, **(extra_event or {})), subject=str(order.id))
    await uow.flush()
    return order


#: Statuses an order reaches only after it was paid.
PAID_OR_LATER = frozenset(STATUSES) - {"pending", "awaiting_payment", "cancelled"}


async def mark_paid(
    uow: UnitOfWork,
    order_id: Any,
    *,
    actor: str,
    reason: str,
    locked: Order | None = None,
    items: list[OrderItem] | None = None,
) -> bool:
    """The one way an order becomes paid — the checkout's capture and a provider's webhook alike.

    Only when the order's captured payments, net of refunds, cover its total (else ``False`` and the
    order keeps awaiting payment). Idempotent: an order already paid (or further along) stays as it is,
    and a concurrent caller that lost the race finds it paid; returns whether the order is now paid or
    later. A cancelled order is left cancelled (its payment is then for the payments desk to refund).
    ``locked``: the order, already row-locked by the caller in this transaction; ``items``: its items.
    """
    order = locked if locked is not None else await repo.lock_order(uow, order_id)
    if order is None:
        return False
    if order.status != "awaiting_payment":
        return order.status in PAID_OR_LATER
    # The invariant, checked in this transaction under the order's and its payments' row locks: an
    # order is paid only when what was captured, net of refunds, covers its total — whatever the path.
    money = await payments.order_money(uow, order.id, lock=True)
    if money.net < order.total_amount:
        log.warning("order_underpaid", order_id=str(order.id), total=str(order.total_amount), net=str(money.net))
        return False
    try:
        await transition(uow, order, "paid", actor=actor, reason=reason, items=items)
    except Conflict as exc:
        if exc.code != "order_changed":
            raise
        order = await repo.get_order(uow, order_id)
        return order is not None and order.status in PAID_OR_LATER
    return True


def emit_refunded(uow: UnitOfWork, order: Order, items: list[OrderItem], amount: Decimal) -> None:
    """``order.refunded`` with ids and amounts only: the reason staff typed is free text (it may name the
    person) and stays in the order's history, where a consumer that needs it reads it through a port
    (the fiscal context, for the NF-e's cancellation: ``InvoiceSource.refund_reason``)."""
    uow.emit(
        TOPIC,
        "order.refunded",
        event_data(order, items, amount=str(amount), refunded_total=str(order.refunded_amount)),
        subject=str(order.id),
    )
