"""Price suggestions from the tenant's own sales: trained against "price does not matter", listed with
the expected revenue change and confidence, applied in one click by staff (the catalog changes)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from ecovarejo.core.db import new_id, utcnow
from ecovarejo.ml import public as ml
from ecovarejo.orders.models import Order, OrderItem
from tests.support import bearer, make_tenant, token_for

from . import history


async def test_suggest_and_apply_a_price(container, client) -> None:
    tid = await make_tenant(container)
    staff = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "admin"))}
    items = await history.catalog(container, tid, per_category=2)
    elastic = items[0]
    r = await client.get("/api/v1/ml/price-suggestions", headers=staff)
    assert r.status_code == 200 and r.json() == {"items": []}

    rng = random.Random(1)
    start = utcnow() - timedelta(weeks=30)
    async with container.uow(tid, actor="test") as uow:
        for w in range(30):
            price = (elastic.price * Decimal(str(1 + rng.choice([-0.1, 0, 0.1])))).quantize(Decimal("0.01"))
            units = max(1, round(40 * float(price / elastic.price) ** -2.5 * rng.uniform(0.9, 1.1)))
            order = Order(
                order_number=f"EV-P-{w:04d}", user_id=new_id(), status="delivered", currency="BRL", subtotal=price,
                total_amount=price * units, shipping_address={}, shipping_state="SP", carbon_footprint=Decimal("0"),
                sustainability_score=0, created_at=start + timedelta(weeks=w),
            )  # fmt: skip
            uow.session.add(order)
            await uow.session.flush()
            line = OrderItem(
                order_id=order.id, product_id=elastic.id, sku=elastic.sku, name=elastic.sku, quantity=units,
                unit_price=price, line_total=price * units, carbon_footprint_kg=Decimal("0"),
                sustainability_score=Decimal("0"),
            )  # fmt: skip
            uow.session.add(line)
        await uow.commit()
    [result] = await ml.train(container, tid, ["pricing"])
    assert result.metric == "mae_units" and result.promoted and result.value < result.baseline, result

    [s] = (await client.get("/api/v1/ml/price-suggestions", headers=staff)).json()["items"]
    assert s["product_id"] == str(elastic.id) and s["elasticity"] < -1
    assert Decimal(s["suggested"]) < Decimal(s["current"]) == elastic.price
    assert s["expected_revenue_change_pct"] > 0 and 0 < s["confidence"] <= 1
    assert s["cost"] is None and s["floor"] is None and s["expected_margin_change_pct"] is None

    # the shop records the unit cost: the suggestion never goes under cost + 10 %, and shows the margin
    cost = (elastic.price * Decimal("0.90")).quantize(Decimal("0.01"))
    r = await client.patch(f"/api/v1/products/{elastic.id}", json={"cost": str(cost)}, headers=staff)
    assert r.status_code == 200 and "cost" not in r.json(), r.text  # never in a product document
    r = await client.patch(f"/api/v1/products/{elastic.id}", json={"description": "Refil"}, headers=staff)
    assert r.status_code == 200  # an update without the cost keeps it
    [s] = (await client.get("/api/v1/ml/price-suggestions", headers=staff)).json()["items"]
    floor = (cost * Decimal("1.10")).quantize(Decimal("0.01"))
    assert Decimal(s["cost"]) == cost and Decimal(s["floor"]) == floor
    assert Decimal(s["suggested"]) == floor and s["expected_margin_change_pct"] is not None

    customer = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid))}
    assert (await client.post(f"/api/v1/ml/price-suggestions/{elastic.id}/apply", headers=customer)).status_code == 403
    r = await client.post(f"/api/v1/ml/price-suggestions/{elastic.id}/apply", headers=staff)
    assert r.status_code == 200 and r.json()["price"] == s["suggested"], r.text
    product = (await client.get(f"/api/v1/products/{elastic.id}", headers={"X-Tenant-ID": str(tid)})).json()
    assert product["price"]["amount"] == s["suggested"]
    missing = await client.post(f"/api/v1/ml/price-suggestions/{items[1].id}/apply", headers=staff)
    assert missing.status_code == 404 and missing.json()["code"] == "no_price_suggestion"
