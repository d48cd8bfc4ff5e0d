"""The cart: guests and signed-in users, merge on sign-in, lines validated, prices from the catalog."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import REDIS_URL, make_settings, needs_redis

from .shop import open_shop


async def test_guest_cart_validation_prices_and_merge(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "89.90", carbon_footprint_kg=Decimal("2.50"))
    shop.catalog.put("MUG", "35.00")
    shop.catalog.put("OLD", "10.00", is_active=False)
    await shop.stock("TEE", 5)
    await shop.stock("MUG", 50)
    await shop.stock("OLD", 5)

    r = await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 2}, headers=shop.h)
    assert r.status_code == 200, r.text
    cart_id = r.headers["X-Cart-ID"]
    assert r.json()["cart_id"] == cart_id and "ev_cart" in r.headers["set-cookie"]
    guest = {**shop.h, "X-Cart-ID": cart_id}
    assert r.json()["items"][0]["unit_price"] == "89.90" and r.json()["summary"]["subtotal"] == "179.80"

    for body, status, code in [
        ({"sku": "NOPE", "quantity": 1}, 422, "product_not_found"),
        ({"sku": "OLD", "quantity": 1}, 422, "product_inactive"),
        ({"sku": "TEE", "quantity": 4}, 409, "insufficient_stock"),  # 2 + 4 > 5 available
        ({"sku": "MUG", "quantity": 21}, 422, "invalid_quantity"),  # per-line maximum
    ]:
        r = await client.post("/api/v1/cart/items", json=body, headers=guest)
        assert (r.status_code, r.json()["code"]) == (status, code), r.text

    r = await client.put("/api/v1/cart/items/MUG", json={"quantity": 3}, headers=guest)
    assert sorted((i["sku"], i["quantity"]) for i in r.json()["items"]) == [("MUG", 3), ("TEE", 2)]
    # the price is re-read from the catalog every time, never kept from the client or the past
    shop.catalog.change("MUG", unit_price=Decimal("30.00"))
    r = await client.get("/api/v1/cart?state=RJ", headers=guest)
    s = r.json()["summary"]
    # five items weigh more than 1 kg: the Southeast's standard rate of the 1-5 kg band (19.90 + 10.00)
    assert s["subtotal"] == "269.80" and s["shipping_cost"] == "29.90" and s["tax_included"] is True
    assert Decimal(s["total"]) == Decimal("269.80") + Decimal("29.90")

    # a signed-in user already has a TEE in their cart; signing in with the guest cart merges both
    _, user = shop.customer()
    r = await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 1}, headers=user)
    assert r.status_code == 200 and r.json()["cart_id"] is None
    r = await client.get("/api/v1/cart", headers={**user, "X-Cart-ID": cart_id})
    assert sorted((i["sku"], i["quantity"]) for i in r.json()["items"]) == [("MUG", 3), ("TEE", 3)]
    r = await client.get("/api/v1/cart", headers=guest)
    assert r.json()["items"] == []  # the guest cart is gone

    r = await client.delete("/api/v1/cart/items/TEE", headers=user)
    assert [i["sku"] for i in r.json()["items"]] == ["MUG"]
    # a product withdrawn after it was added is shown as a problem, not silently priced
    shop.catalog.change("MUG", is_active=False)
    r = await client.get("/api/v1/cart", headers=user)
    assert [p["code"] for p in r.json()["problems"]] == ["product_inactive"]


@needs_redis
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_cart_lives_in_redis_with_24h_expiry(db_url, tmp_path):
    import httpx
    import redis.asyncio as aioredis

    from ecovarejo.app import create_app
    from ecovarejo.bootstrap import build_container

    from .conftest import SERVICES

    settings = make_settings(db_url, tmp_path, redis_url=REDIS_URL, services=SERVICES)
    container = build_container(settings)
    await container.start()
    try:
        shop = await open_shop(container)
        shop.catalog.put("TEE", "10.00")
        await shop.stock("TEE", 3)
        uid, user = shop.customer()
        app = create_app(container=container)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            r = await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 2}, headers=user)
            assert r.status_code == 200, r.text
        r = aioredis.from_url(REDIS_URL)
        key = f"cart:{shop.tenant_id}:u:{uid}"
        assert b'"TEE": 2' in await r.get(key)
        ttl = await r.ttl(key)
        assert 86000 < ttl <= 86400
        await r.delete(key)
        await r.aclose()
    finally:
        await container.stop()
