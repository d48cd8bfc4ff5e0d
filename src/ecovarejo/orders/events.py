"""Events the orders context consumes."""

from __future__ import annotations

import uuid
from typing import Any

from ecovarejo.core.consumers import Consumer
from ecovarejo.core.events import Event
from ecovarejo.core.uow import UnitOfWork

from . import lifecycle


async def on_payment_captured(uow: UnitOfWork, event: Event) -> None:
    """A capture confirmed by a provider's webhook (card, Pix, boleto) pays its order, through the same
    :func:`~ecovarejo.orders.lifecycle.mark_paid` as the synchronous checkout: whichever comes first
    moves the order, the other finds it paid."""
    order_id = event.data.get("order_id")
    if not order_id:
        return
    via = event.data.get("via", "webhook")
    provider = event.data.get("provider", "")
    await lifecycle.mark_paid(
        uow, uuid.UUID(str(order_id)), actor="system:payments", reason=f"payment captured ({via} {provider})".strip()
    )


def consumers(_container: Any) -> list[Consumer]:
    return [
        Consumer("orders-payment-captured", ("payment-events",), on_payment_captured, frozenset({"payment.captured"}))
    ]
