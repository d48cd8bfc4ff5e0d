"""Back in stock for a wished product (subscription API + ``stock.replenished``), and certification expiry
notices to the supplier's address from the directory."""

from __future__ import annotations

import uuid

from .events_data import registered


async def test_back_in_stock_is_notified_once(envs) -> None:
    env = await envs()
    user, other = uuid.uuid4(), uuid.uuid4()
    product = uuid.uuid4()
    await env.emit("user-events", "user.registered", registered(user, email="ana@example.com", locale="en"))
    await env.emit("user-events", "user.registered", registered(other, email="caio@example.com"))
    auth = env.auth(user_id=user)
    body = {"product_id": str(product), "sku": "REFIL-1L", "product_name": "Refil de detergente 1 L"}
    r = await env.client.post("/api/v1/notifications/stock-subscriptions", json=body, headers=auth)
    assert r.status_code == 201 and r.json()["notified_at"] is None
    r = await env.client.post("/api/v1/notifications/stock-subscriptions", json=body, headers=auth)
    assert r.status_code == 409 and r.json()["code"] == "already_subscribed"
    r = await env.client.post(
        "/api/v1/notifications/stock-subscriptions",
        json={"product_id": str(uuid.uuid4())},
        headers=env.auth(user_id=other),
    )
    assert r.status_code == 201

    await env.emit("inventory-events", "stock.replenished", {"sku": "REFIL-1L", "product_id": str(product)})
    [msg] = await env.settle(1)
    assert msg.user_id == user and msg.to_address == "ana@example.com" and msg.status == "sent"
    assert msg.subject == "Refil de detergente 1 L is back in stock"
    assert f"http://localhost:8000/products/{product}" in msg.body_text
    r = await env.client.get("/api/v1/notifications/stock-subscriptions", headers=auth)
    assert r.json()[0]["notified_at"] is not None

    # Replenished again: the subscription already fired.
    again = await env.emit("inventory-events", "stock.replenished", {"sku": "REFIL-1L", "product_id": str(product)})
    other_product = await env.emit(
        "inventory-events", "stock.replenished", {"sku": "X", "product_id": str(uuid.uuid4())}
    )
    await env.handled(again, "notifications.stock")
    await env.handled(other_product, "notifications.stock")
    msgs = await env.settle(1)
    assert len(msgs) == 1


async def test_stock_subscription_api(envs) -> None:
    env = await envs()
    user = uuid.uuid4()
    auth = env.auth(user_id=user)
    r = await env.client.post("/api/v1/notifications/stock-subscriptions", json={"product_id": "nope"}, headers=auth)
    assert r.status_code == 422
    r = await env.client.post("/api/v1/notifications/stock-subscriptions", json={"product_id": str(uuid.uuid4())})
    assert r.status_code == 401
    r = await env.client.post(
        "/api/v1/notifications/stock-subscriptions", json={"product_id": str(uuid.uuid4())}, headers=auth
    )
    sub_id = r.json()["id"]
    r = await env.client.delete(f"/api/v1/notifications/stock-subscriptions/{sub_id}", headers=env.auth())
    assert r.status_code == 404  # not theirs
    r = await env.client.delete(f"/api/v1/notifications/stock-subscriptions/{sub_id}", headers=auth)
    assert r.status_code == 204
    r = await env.client.get("/api/v1/notifications/stock-subscriptions", headers=auth)
    assert r.json() == []


async def test_certification_expiring_goes_to_the_supplier(envs) -> None:
    env = await envs()
    supplier = uuid.uuid4()
    await env.emit(
        "user-events",
        "user.registered",
        registered(supplier, email="contato@fornecedor.example", user_type="supplier", first_name="Verde Ltda"),
    )
    await env.emit(
        "product-events",
        "certification.expiring",
        {
            "product_id": str(uuid.uuid4()),
            "sku": "CAN-BAM",
            "name": "Canudo de bambu",
            "supplier_id": str(supplier),
            "certification": "FSC",
            "expiry": "2026-12-31",
        },
    )
    [msg] = await env.settle(1)
    assert msg.to_address == "contato@fornecedor.example" and msg.user_id == supplier and msg.status == "sent"
    assert msg.subject == "Certificação FSC de Canudo de bambu vence em 31/12/2026"
    assert "Olá, Verde Ltda!" in msg.body_text


async def test_new_device_sign_in_alert_and_quiet_known_device(envs) -> None:
    env = await envs()
    user = uuid.uuid4()
    base = {
        "user_id": str(user),
        "email": "ana@example.com",
        "first_name": "Ana",
        "locale": "pt-BR",
        "ip": "203.0.113.9",
        "user_agent": "Firefox <script>",
    }
    await env.emit("user-events", "user.signed_in", {**base, "new_device": False})
    await env.emit("user-events", "user.signed_in", {**base, "new_device": True})
    await env.emit(
        "user-events", "user.mfa_disabled", {k: base[k] for k in ("user_id", "email", "first_name", "locale")}
    )
    msgs = await env.settle(2)
    assert [m.subject for m in msgs] == ["Novo acesso à sua conta", "Verificação em duas etapas desativada"]
    assert "203.0.113.9" in msgs[0].body_text and "Firefox &lt;script&gt;" in msgs[0].body_html
