"""SMS and WhatsApp through the webhook-style provider adapter, against a local HTTP server."""

from __future__ import annotations

import json
import uuid

from .events_data import order, registered


async def _customer_with_phone(env, user: uuid.UUID, **channels: bool) -> None:
    await env.emit("user-events", "user.registered", registered(user))
    await env.emit(
        "user-events",
        "user.updated",
        {
            "user_id": str(user),
            "email": "ana@example.com",
            "first_name": "Ana",
            "phone": "+5511987654321",
            "locale": "pt-BR",
        },
    )
    r = await env.client.put(
        "/api/v1/notifications/preferences", json={"channels": channels}, headers=env.auth(user_id=user)
    )
    assert r.status_code == 200, r.text
    assert all(r.json()["channels"][k] == v for k, v in channels.items())


async def test_order_shipped_by_sms_when_the_customer_turned_it_on(http_sink, envs, notif_env) -> None:
    notif_env(sms_provider_url=f"{http_sink.url}/sms", sms_provider_token="prov-token")
    env = await envs()
    user = uuid.uuid4()
    await _customer_with_phone(env, user, sms=True)
    shipped = order(
        user, carrier="Correios", tracking_code="BR123456789BR", tracking_url="https://rastreio.example/BR123456789BR"
    )
    await env.emit("order-events", "order.shipped", shipped)
    msgs = await env.settle(3)  # email, sms, whatsapp (off: no provider and not chosen)
    by_channel = {m.channel: m for m in msgs}
    assert by_channel["email"].status == "sent"
    assert by_channel["sms"].status == "sent" and by_channel["sms"].provider_id == "prov-1"
    assert by_channel["whatsapp"].status == "suppressed"
    [req] = http_sink.requests
    assert req["path"] == "/sms"
    assert req["headers"]["Authorization"] == "Bearer prov-token"
    assert req["headers"]["Idempotency-Key"] == str(by_channel["sms"].id)
    body = json.loads(req["body"])
    assert body["channel"] == "sms" and body["to"] == "+5511987654321"
    assert "BR123456789BR" in body["text"] and "EV-2026-000123" in body["text"] and "enviado" in body["text"]
    assert body["reference"] == str(by_channel["sms"].id)


async def test_no_sms_without_the_customers_choice(http_sink, envs, notif_env) -> None:
    notif_env(sms_provider_url=f"{http_sink.url}/sms")
    env = await envs()
    user = uuid.uuid4()
    await _customer_with_phone(env, user, email=True)
    await env.emit("order-events", "order.shipped", order(user, carrier="Jadlog", tracking_code="JD1"))
    msgs = await env.settle(3)
    assert {m.channel: m.status for m in msgs} == {"email": "sent", "sms": "suppressed", "whatsapp": "suppressed"}
    assert [m.last_error for m in msgs if m.channel == "sms"] == ["channel_disabled"]
    assert http_sink.requests == []


async def test_whatsapp_provider_errors_retry_then_succeed(http_sink, envs, notif_env) -> None:
    http_sink.statuses = [503, 500, 200]
    notif_env(whatsapp_provider_url=f"{http_sink.url}/wa", whatsapp_provider_token="wa-token")
    env = await envs()
    user = uuid.uuid4()
    await _customer_with_phone(env, user, whatsapp=True)
    pending = {
        "order_id": str(uuid.uuid4()),
        "order_number": "EV-9",
        "user_id": str(user),
        "email": "ana@example.com",
        "first_name": "Ana",
        "locale": "en",
        "method": "pix",
        "amount": "99.90",
        "expires_at": "2026-11-29T15:30:00Z",
        "pix_copy_paste": "00020126580014br.gov.bcb.pix0136abc",
    }
    await env.emit("payment-events", "payment.pending", pending)
    msgs = await env.settle(2)
    wa = next(m for m in msgs if m.channel == "whatsapp")
    assert wa.status == "sent" and wa.attempts == 3
    assert len(http_sink.requests) == 3
    body = json.loads(http_sink.requests[-1]["body"])
    assert body["channel"] == "whatsapp" and "R$ 99,90" in body["text"] and "EV-9" in body["text"]
    email = next(m for m in msgs if m.channel == "email")
    assert email.subject == "Pay order EV-9 with Pix" and "00020126580014br.gov.bcb.pix0136abc" in email.body_text
    assert "2026-11-29 12:30 (Brasília time)" in email.body_text


async def test_a_refused_number_is_not_retried(http_sink, envs, notif_env) -> None:
    http_sink.statuses = [400]
    notif_env(sms_provider_url=f"{http_sink.url}/sms")
    env = await envs()
    user = uuid.uuid4()
    await _customer_with_phone(env, user, sms=True)
    await env.emit("order-events", "order.shipped", order(user, carrier="Correios", tracking_code="X"))
    msgs = await env.settle(3)
    sms = next(m for m in msgs if m.channel == "sms")
    assert sms.status == "dead" and sms.attempts == 1 and "400" in sms.last_error
    assert len(http_sink.requests) == 1


def _sign(secret: str, body: bytes) -> str:
    import hashlib
    import hmac

    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def test_signed_delivery_receipts(http_sink, envs, notif_env) -> None:
    notif_env(sms_provider_url=f"{http_sink.url}/sms", sms_webhook_secret="hook-secret")
    env = await envs()
    user = uuid.uuid4()
    await _customer_with_phone(env, user, sms=True)
    await env.emit("order-events", "order.shipped", order(user, carrier="Correios", tracking_code="BR9"))
    msgs = await env.settle(3)
    sms = next(m for m in msgs if m.channel == "sms")
    url = "/api/v1/notifications/providers/sms/receipts"

    body = json.dumps({"reference": str(sms.id), "status": "failed", "error": "handset off"}).encode()
    r = await env.client.post(url, content=body, headers={"X-Signature": _sign("wrong", body)})
    assert r.status_code == 401 and r.json()["code"] == "bad_signature"
    r = await env.client.post(url, content=body)
    assert r.status_code == 401
    r = await env.client.post(url, content=body, headers={"X-Signature": _sign("hook-secret", body)})
    assert r.status_code == 204
    [sms] = await env.messages(id=sms.id)
    assert sms.status == "undelivered" and sms.last_error == "handset off"

    body = json.dumps({"reference": str(sms.id), "status": "delivered"}).encode()
    r = await env.client.post(url, content=body, headers={"X-Signature": _sign("hook-secret", body)})
    assert r.status_code == 204
    [sms] = await env.messages(id=sms.id)
    assert sms.status == "delivered" and sms.last_error is None

    # Another message's id, another channel, garbage, a channel without a secret.
    email = next(m for m in msgs if m.channel == "email")
    for payload, code in (
        ({"reference": str(email.id), "status": "delivered"}, 404),
        ({"reference": str(uuid.uuid4()), "status": "delivered"}, 404),
        ({"reference": "x", "status": "delivered"}, 422),
        ({"reference": str(sms.id), "status": "read"}, 422),
    ):
        body = json.dumps(payload).encode()
        r = await env.client.post(url, content=body, headers={"X-Signature": _sign("hook-secret", body)})
        assert r.status_code == code, payload
        assert r.headers["content-type"] == "application/problem+json"
    body = json.dumps({"reference": str(sms.id), "status": "delivered"}).encode()
    r = await env.client.post(
        "/api/v1/notifications/providers/whatsapp/receipts", content=body, headers={"X-Signature": _sign("", body)}
    )
    assert r.status_code == 404 and r.json()["code"] == "receipts_disabled"
    r = await env.client.post(
        "/api/v1/notifications/providers/fax/receipts",
        content=body,
        headers={"X-Signature": _sign("hook-secret", body)},
    )
    assert r.status_code == 422
