"""Every order and payment event the issue lists becomes its message, in the customer's language."""

from __future__ import annotations

import uuid

import pytest

from .events_data import order

CASES = [
    ("order.placed", {}, "Pedido EV-2026-000123 confirmado", "3,46 kg CO2e"),
    ("order.paid", {}, "Pagamento do pedido EV-2026-000123 confirmado", "R$ 1.234,50"),
    ("order.cancelled", {}, "Pedido EV-2026-000123 cancelado", "foi cancelado"),
    (
        "order.shipped",
        {"carrier": "Correios", "tracking_code": "BR1", "tracking_url": "https://rastreio.example/BR1"},
        "Pedido EV-2026-000123 enviado",
        "https://rastreio.example/BR1",
    ),
    ("order.delivered", {}, "Pedido EV-2026-000123 entregue", "foi entregue"),
    ("order.refunded", {"amount": "200.00"}, "Reembolso do pedido EV-2026-000123", "R$ 200,00"),
]


@pytest.mark.parametrize(("type_", "extra", "subject", "text"), CASES, ids=[c[0] for c in CASES])
async def test_order_event_message(envs, type_, extra, subject, text) -> None:
    env = await envs()
    await env.emit("order-events", type_, order(uuid.uuid4(), **extra))
    msgs = await env.settle(1)
    [email] = [m for m in msgs if m.channel == "email"]
    assert email.status == "sent" and email.subject == subject and text in email.body_text


async def test_boleto_pending_in_english(envs) -> None:
    env = await envs()
    data = {
        "order_id": str(uuid.uuid4()),
        "order_number": "EV-7",
        "user_id": str(uuid.uuid4()),
        "email": "ana@example.com",
        "first_name": "Ana",
        "locale": "en",
        "method": "boleto",
        "amount": "250.00",
        "expires_at": "2026-12-02T02:59:59Z",
        "boleto_line": "34191.79001 01043.510047 91020.150008 1 96610000025000",
    }
    await env.emit("payment-events", "payment.pending", data)
    msgs = await env.settle(1)
    [email] = [m for m in msgs if m.channel == "email"]
    assert email.subject == "Boleto for order EV-7" and email.locale == "en"
    assert "34191.79001 01043.510047 91020.150008 1 96610000025000" in email.body_text
    assert "R$ 250,00" in email.body_text and "2026-12-01 23:59 (Brasília time)" in email.body_text
