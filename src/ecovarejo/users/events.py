"""Consumers of the users context: eco-loyalty points when an order is delivered.

``order.delivered`` on ``order-events``: ``data = {order_id, user_id, total (decimal string),
sustainability_score (optional, 0-100)}``. The rule is :func:`ecovarejo.users.accounts.points_for_order`.
The inbox makes a redelivery a no-op; the ledger's unique (user, reason, order) backs it up.
"""

from __future__ import annotations

import uuid

import structlog

from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.events import Event
from ecovarejo.core.uow import UnitOfWork

from . import accounts

log = structlog.get_logger("ecovarejo.users.events")


async def on_order_delivered(uow: UnitOfWork, event: Event) -> None:
    data = event.data
    try:
        user_id = uuid.UUID(str(data["user_id"]))
        order_id = uuid.UUID(str(data["order_id"]))
        total = str(data["total"])
    except (KeyError, ValueError):
        log.warning("order_delivered_malformed", event_id=str(event.id))
        return
    entry = await accounts.earn_for_order(uow, user_id, order_id, total, data.get("sustainability_score"))
    if entry is None:
        log.info("loyalty_not_credited", event_id=str(event.id), order_id=str(order_id))


def consumers(container: Container) -> list[Consumer]:
    return [
        Consumer(
            name="users.loyalty",
            topics=("order-events",),
            handler=on_order_delivered,
            types=frozenset({"order.delivered"}),
        )
    ]
