"""Mail that matters always goes: the per-recipient cap applies to marketing (and to the forms anyone
can use to make us mail a stranger), never to order, payment or shipping messages."""

from __future__ import annotations

import uuid

from ecovarejo.notifications.dispatch import capped

from .events_data import order


async def test_one_customer_placing_100_orders_within_an_hour_gets_100_confirmations(envs, notif_env) -> None:
    notif_env(notify_rate_limit=20, notify_rate_window=3600)
    env = await envs()
    user = uuid.uuid4()
    for n in range(100):
        await env.emit("order-events", "order.placed", order(user, order_number=f"EV-2026-{n:06d}"))
    msgs = await env.settle(100, timeout=120)
    confirmations = [m for m in msgs if m.channel == "email" and m.template == "order_confirmation"]
    assert len(confirmations) == 100
    assert {m.status for m in confirmations} == {"sent"}
    assert len({m.subject for m in confirmations}) == 100


def test_the_cap_applies_to_marketing_and_to_mail_anyone_can_request() -> None:
    assert capped("marketing", "promotion")
    assert capped("transactional", "password_reset") and capped("transactional", "email_verification")
    for template in ("order_confirmation", "payment_confirmed", "order_shipped", "security_alert", "order_refunded"):
        assert not capped("transactional", template)
