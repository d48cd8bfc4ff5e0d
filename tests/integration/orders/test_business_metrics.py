"""Business gauges for /metrics: paid orders, revenue net of refunds and kg CO2e sold, per tenant."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecovarejo.core.uow import UnitOfWork
from ecovarejo.orders import metrics as orders
from tests.conftest import make_settings

from .conftest import SERVICES
from .shop import checkout_body, open_shop


@pytest.fixture
def settings(db_url, tmp_path):
    return make_settings(db_url, tmp_path, services=SERVICES + ",gateway")  # /metrics is the gateway's


async def test_business_metrics_per_tenant(container, client) -> None:
    other = await open_shop(container)  # a tenant with no orders
    shop = await open_shop(container)  # (the catalog port now serves this shop)
    shop.catalog.put("TEE", "100.00", carbon_footprint_kg=Decimal("2.50"))
    await shop.stock("TEE", 10)
    _, h = shop.customer()
    placed = []
    for key in ("m1", "m2"):
        r = await client.post(
            "/api/v1/orders",
            json=checkout_body(items=[{"sku": "TEE", "quantity": 1}]),
            headers={**h, "Idempotency-Key": key},
        )
        assert r.status_code == 201, r.text
        placed.append(r.json())
    r = await client.post(f"/api/v1/orders/{placed[1]['id']}/cancel", json={"reason": "x"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    async with UnitOfWork(container.db, None, read_only=True) as uow:
        metrics = await orders.business_metrics(uow)
    mine = metrics[str(shop.tenant_id)]
    assert mine["orders"] == 1
    assert mine["revenue"] == Decimal(placed[0]["total_amount"])
    assert mine["co2e_kg"] == Decimal(placed[0]["carbon_footprint"])
    assert str(other.tenant_id) not in metrics  # no paid orders there

    text = (await client.get("/metrics")).text
    line = next(x for x in text.splitlines() if x.startswith("ecovarejo_revenue_brl{") and str(shop.tenant_id) in x)
    assert Decimal(line.rsplit(" ", 1)[1]) == Decimal(placed[0]["total_amount"])
