"""Scale-out: the notification consumers behind NATS JetStream, where a redelivered event still sends once."""

from __future__ import annotations

import json
import uuid

from ecovarejo.core.models import OutboxEvent
from tests.conftest import needs_nats

from .events_data import order

pytestmark = needs_nats


async def test_event_through_nats_sends_one_email_even_when_delivered_twice(envs) -> None:
    env = await envs(nats=True)
    bus = env.container.bus
    try:
        event_id = await env.emit("order-events", "order.placed", order(uuid.uuid4()))
        [msg] = await env.settle(1)
        assert msg.status == "sent" and msg.event_id == event_id
        # The same event published again without the broker's duplicate id (as after its window).
        async with env.container.db.system_session() as s:
            row = await s.get(OutboxEvent, event_id)
        await bus._js.publish(bus.subject("order-events"), json.dumps(row.envelope).encode())
        # A later event on the same durable consumer: once it is handled, so was the duplicate before it.
        later = await env.emit("order-events", "order.placed", order(uuid.uuid4(), order_number="EV-2"))
        await env.handled(later, "notifications.orders")
        msgs = await env.settle(2)
        assert sorted(m.subject for m in msgs) == ["Pedido EV-2 confirmado", "Pedido EV-2026-000123 confirmado"]
        r = await env.client.get("/api/v1/admin/notifications/outbox", headers=env.auth("admin"))
        assert len(r.json()["items"]) == 2
    finally:
        await bus._js.delete_stream(bus.stream)
