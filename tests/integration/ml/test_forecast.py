"""Demand forecast from the tenant's orders: trained against seasonal naive (MASE), promoted when it
beats it, and turned into reorder suggestions against the stock available now (staff only)."""

from __future__ import annotations

from datetime import timedelta

from ecovarejo.core.db import utcnow
from ecovarejo.inventory import service as inventory
from ecovarejo.ml import public as ml
from tests.support import bearer, make_tenant, token_for

from . import history


async def test_forecast_trains_and_suggests_reorders(container, client) -> None:
    tid = await make_tenant(container)
    staff = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "admin"))}
    items = await history.catalog(container, tid)
    r = await client.get("/api/v1/ml/reorder-suggestions", headers=staff)
    assert r.status_code == 200 and r.json() == {"items": []}  # no model yet: nothing suggested

    await history.orders(container, tid, items, customers=90, start=utcnow() - timedelta(days=340))
    async with container.uow(tid, actor="test") as uow:
        wh = await inventory.ensure_warehouse(uow, "CD1", "CD1")
        await inventory.adjust(uow, items[0].sku, wh.id, 500, reason="full", actor="test")
        await uow.commit()
    [result] = await ml.train(container, tid, ["forecast"])
    assert result.metric == "mase" and result.promoted and result.value < result.baseline, result

    r = await client.get("/api/v1/ml/reorder-suggestions?lead_time_days=14&service_level=0.95", headers=staff)
    rows = {s["sku"]: s for s in r.json()["items"]}
    assert len(rows) == len(items)
    full, empty = rows[items[0].sku], rows[items[1].sku]
    assert full["available"] == 500 and not full["due"] and full["order_quantity"] == 0
    assert empty["available"] == 0 and empty["due"] and empty["order_quantity"] > 0
    assert empty["weekly_forecast"] > 0 and empty["method"] in ("sba", "tsb", "ses")
    safer = {
        s["sku"]: s
        for s in (await client.get("/api/v1/ml/reorder-suggestions?lead_time_days=28&service_level=0.99",
                                   headers=staff)).json()["items"]
    }  # fmt: skip
    assert safer[items[1].sku]["reorder_point"] >= empty["reorder_point"]
    customer = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid))}
    assert (await client.get("/api/v1/ml/reorder-suggestions", headers=customer)).status_code == 403
