"""``ecovarejo seed-demo``: warehouses and stock for the demo catalog, coupons, orders in several states."""

from __future__ import annotations

from collections import Counter

from ecovarejo.bootstrap import build_container
from ecovarejo.inventory import service as inventory
from ecovarejo.inventory.seed import catalog_skus
from ecovarejo.orders import coupons, service
from ecovarejo.seed import run_seed


async def test_seed_demo_is_complete_and_idempotent(settings):
    settings.services = "users,products,inventory,orders,payments"
    [tenant] = await run_seed(settings, tenant_slug="demo", options={"products": 12})
    await run_seed(settings, tenant_slug="demo", options={"products": 12})  # twice: nothing doubles
    container = build_container(settings, run_relay=False, run_consumers=False)
    try:
        async with container.uow(tenant.id, read_only=True) as uow:
            skus = await catalog_skus(uow)
            available = await inventory.availability(uow, skus)
            warehouses = sorted(w.code for w in await inventory.list_warehouses(uow))
            codes = {c.code for c in await coupons.list_coupons(uow)}
            orders = (await service.list_orders(uow, limit=100))["items"]
    finally:
        await container.stop()
    assert len(skus) >= 12 and all(n > 0 for n in available.values())
    assert warehouses == ["CD-PE", "CD-SP"]
    assert {"BEMVINDO10", "FRETEGRATIS", "ECO20", "B2B5"} <= codes
    statuses = Counter(o["status"] for o in orders)
    assert statuses == {"paid": 1, "fulfilling": 1, "shipped": 1, "delivered": 1, "cancelled": 1}
