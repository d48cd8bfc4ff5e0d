"""The audit of collection at checkout (LGPD art. 37, the seed's ``collect_personal_data``).

Every checkout — REST, GraphQL, or the storefront's, including a guest's (whose passwordless account's
registration is audited by the users context) — collects a delivery address and copies the buyer's e-mail
and first name onto the order. The orders context's ``order.placed`` event (ids only) is consumed here,
idempotently (inbox), and recorded as ``collection.checkout`` with the purpose and the names of the data
collected, never their values. Consuming the event keeps the audit chain's lock out of the checkout's hot
transaction.
"""

from __future__ import annotations

import uuid

from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.events import Event
from ecovarejo.core.uow import UnitOfWork

from . import audit

PURPOSE = "delivery and invoicing of the order (LGPD art. 7 V; fiscal records art. 7 II)"
#: What a checkout collects (the billing address and notes are optional; the order's snapshot has them when given).
CHECKOUT_DATA = ("email", "first_name", "shipping_address", "billing_address", "notes")
NAME = "privacy.collection-checkout"


async def on_order_placed(uow: UnitOfWork, event: Event) -> None:
    try:
        user_id = uuid.UUID(str(event.data.get("user_id")))
    except ValueError:
        return
    await audit.record(
        uow,
        "collection.checkout",
        actor=f"consumer:{NAME}",
        subject_id=user_id,
        purpose=PURPOSE,
        details={"order_id": str(event.data.get("order_id")), "data_types": list(CHECKOUT_DATA)},
    )


def consumers(_container: Container) -> list[Consumer]:
    return [Consumer(NAME, ("order-events",), on_order_placed, frozenset({"order.placed"}))]
