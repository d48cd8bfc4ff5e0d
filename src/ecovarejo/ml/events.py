"""The fraud model's labels from the payments context: a dispute or chargeback on an order's payment
makes that order's assessment a fraud example (label 1), whatever the screen decided at checkout."""

from __future__ import annotations

import uuid

from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.events import Event
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo


async def on_payment_disputed(uow: UnitOfWork, event: Event) -> None:
    order_id = event.data.get("order_id")
    if order_id:  # a dispute the provider could not tie to one of our payments labels nothing
        await repo.set_label(uow, uuid.UUID(str(order_id)), 1)


def consumers(container: Container) -> list[Consumer]:
    return [Consumer("ml.chargebacks", ("payment-events",), on_payment_disputed, frozenset({"payment.disputed"}))]
