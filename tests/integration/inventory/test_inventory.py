"""Inventory: admin adjustments and moves with a ledger, stock events, reservations and their expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from ecovarejo.core.db import utcnow
from ecovarejo.core.models import OutboxEvent
from ecovarejo.inventory import service as inventory
from ecovarejo.inventory.models import StockItem, StockMovement
from tests.support import bearer, make_tenant, token_for


async def _events(container, tenant_id, type_):
    async with container.db.system_session() as s:
        rows = (await s.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == tenant_id))).all()
    return [r.envelope["data"] for r in rows if r.type == type_]


async def test_admin_adjust_move_low_stock_and_ledger(container, client):
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "admin"))}
    r = await client.post(
        "/api/v1/admin/inventory/warehouses", json={"code": "sp1", "name": "SP", "state": "SP"}, headers=h
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        "/api/v1/admin/inventory/warehouses", json={"code": "pe1", "name": "PE", "state": "PE"}, headers=h
    )
    assert r.status_code == 201
    r = await client.post("/api/v1/admin/inventory/warehouses", json={"code": "SP1", "name": "dup"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "warehouse_exists"
    r = await client.post("/api/v1/products", json={"sku": "ECO-1", "name": "Eco", "price": "10.00"}, headers=h)
    assert r.status_code == 201, r.text

    r = await client.post(
        "/api/v1/admin/inventory/adjust",
        json={"sku": "ECO-1", "warehouse": "SP1", "delta": 30, "reason": "received", "reorder_level": 10},
        headers=h,
    )
    assert r.status_code == 200, r.text
    assert r.json()["available"] == 30 and r.json()["reorder_level"] == 10
    # 0 -> 30 available: replenished
    assert [e["sku"] for e in await _events(container, tid, "stock.replenished")] == ["ECO-1"]

    r = await client.post(
        "/api/v1/admin/inventory/adjust",
        json={"sku": "ECO-1", "warehouse": "SP1", "delta": -31, "reason": "damaged"},
        headers=h,
    )
    assert r.status_code == 409 and r.json()["code"] == "insufficient_stock"
    assert r.headers["content-type"].startswith("application/problem+json")

    r = await client.post(
        "/api/v1/admin/inventory/move",
        json={"sku": "ECO-1", "source": "SP1", "target": "PE1", "quantity": 22, "reason": "rebalance"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    src, dst = r.json()
    assert (src["available"], dst["available"]) == (8, 22)
    low = await _events(container, tid, "stock.low")
    assert [(e["sku"], e["available"], e["reorder_level"]) for e in low] == [("ECO-1", 8, 10)]

    r = await client.get("/api/v1/admin/inventory/low-stock", headers=h)
    assert [(i["sku"], i["warehouse_code"]) for i in r.json()["items"]] == [("ECO-1", "SP1")]

    r = await client.get("/api/v1/admin/inventory/stock/ECO-1/ledger", headers=h)
    kinds = sorted((m["kind"], m["stock_delta"]) for m in r.json()["items"])
    assert kinds == [("adjust", 30), ("move_in", 22), ("move_out", -22)]
    assert all(m["actor"] and m["reason"] for m in r.json()["items"])

    r = await client.get("/api/v1/inventory/availability?skus=ECO-1,NOPE", headers={"X-Tenant-ID": str(tid)})
    assert r.json()["items"] == {"ECO-1": 30, "NOPE": 0}


async def _stock_rows(container, tenant_id) -> tuple[int, int, int]:
    """(stock items, ledger lines, stock.* events) of a tenant."""
    async with container.db.system_session() as s:
        items = len((await s.scalars(select(StockItem).where(StockItem.tenant_id == tenant_id))).all())
        lines = len((await s.scalars(select(StockMovement).where(StockMovement.tenant_id == tenant_id))).all())
        events = (await s.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == tenant_id))).all()
    return items, lines, len([e for e in events if e.type.startswith("stock.")])


async def test_the_api_refuses_stock_for_a_sku_the_catalog_does_not_sell(container, client):
    """Issue #19: an adjustment for an unknown SKU (a typo) is a 404 problem and writes nothing; the SKU
    of another tenant's product is as unknown; a product's or a variant's SKU is accepted and the stock
    is linked to the catalog's product whatever ``product_id`` the body claimed."""
    tid, other = await make_tenant(container), await make_tenant(container)
    h = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "admin"))}
    ho = {"X-Tenant-ID": str(other), **bearer(token_for(container, other, "admin"))}
    r = await client.post("/api/v1/admin/inventory/warehouses", json={"code": "SP1", "name": "SP"}, headers=h)
    assert r.status_code == 201, r.text
    product = {
        "sku": "CAMISA-1",
        "name": "Camisa",
        "price": "50.00",
        "status": "draft",
        "variants": [{"sku": "CAMISA-1-M", "name": "M", "size": "M"}],
    }
    r = await client.post("/api/v1/products", json=product, headers=h)
    assert r.status_code == 201, r.text
    product_id = r.json()["id"]
    r = await client.post("/api/v1/products", json={"sku": "ALHEIO-1", "name": "Alheio", "price": "5.00"}, headers=ho)
    assert r.status_code == 201, r.text

    for sku, claimed in (("CAMISA-01", None), ("ALHEIO-1", None), ("NOVO-1", product_id)):
        body = {"sku": sku, "warehouse": "SP1", "delta": 7, "reason": "recebido", "reorder_level": 2}
        if claimed:
            body["product_id"] = claimed
        r = await client.post("/api/v1/admin/inventory/adjust", json=body, headers=h)
        assert r.status_code == 404, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "unknown_sku" and sku in r.json()["detail"]
    # the old opt-out is gone: asking not to be checked changes nothing
    r = await client.post(
        "/api/v1/admin/inventory/adjust",
        json={"sku": "NOVO-1", "warehouse": "SP1", "delta": 1, "reason": "x", "catalog_only": False},
        headers=h,
    )
    assert r.status_code == 404 and r.json()["code"] == "unknown_sku"
    assert await _stock_rows(container, tid) == (0, 0, 0)
    r = await client.get("/api/v1/admin/inventory/stock?state=all", headers=h)
    assert r.json()["items"] == []

    # a draft product's own SKU and its variant's SKU are the catalog's: accepted, linked to the product
    for sku in ("CAMISA-1", "CAMISA-1-M"):
        r = await client.post(
            "/api/v1/admin/inventory/adjust",
            json={"sku": sku, "warehouse": "SP1", "delta": 3, "reason": "recebido", "product_id": str(tid)},
            headers=h,
        )
        assert r.status_code == 200, r.text
        assert r.json()["product_id"] == product_id and r.json()["available"] == 3
    items, lines, _ = await _stock_rows(container, tid)
    assert (items, lines) == (2, 2)


async def test_inventory_admin_requires_permission(container, client):
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid)}
    r = await client.post("/api/v1/admin/inventory/warehouses", json={"code": "a", "name": "a"}, headers=h)
    assert r.status_code == 401
    cust = {**h, **bearer(token_for(container, tid, "customer"))}
    r = await client.post("/api/v1/admin/inventory/warehouses", json={"code": "a", "name": "a"}, headers=cust)
    assert r.status_code == 403
    staff = {**h, **bearer(token_for(container, tid, "customer", permissions=("manage_products",)))}
    r = await client.post("/api/v1/admin/inventory/warehouses", json={"code": "a", "name": "a"}, headers=staff)
    assert r.status_code == 201


async def _stocked(container, tid, qty=5, sku="SKU-A"):
    async with container.uow(tid, actor="test") as uow:
        wh = await inventory.create_warehouse(uow, "W1", "W1")
        await inventory.adjust(uow, sku, wh.id, qty, reason="init", actor="test", reorder_level=1)
        await uow.commit()
    return wh


async def test_reserve_commit_release_and_restock(container):
    tid = await make_tenant(container)
    await _stocked(container, tid, 5)
    async with container.uow(tid) as uow:
        with pytest.raises(inventory.InsufficientStock):
            await inventory.reserve(uow, {"SKU-A": 6}, reference="c0")
    async with container.uow(tid) as uow:
        r1 = await inventory.reserve(uow, {"SKU-A": 3}, reference="c1")
        await uow.commit()
    async with container.uow(tid) as uow:
        assert await inventory.availability(uow, ["SKU-A"]) == {"SKU-A": 2}
        with pytest.raises(inventory.InsufficientStock) as exc:
            await inventory.reserve(uow, {"SKU-A": 3}, reference="c2")
        assert exc.value.extra["available"] == 2
    async with container.uow(tid) as uow:
        await inventory.commit_reservation(uow, r1)
        await inventory.commit_reservation(uow, r1)  # idempotent
        await uow.commit()
    async with container.uow(tid) as uow:
        [row] = await inventory.stock_of(uow, "SKU-A")
        assert (row.stock_quantity, row.reserved_quantity) == (2, 0)
        r2 = await inventory.reserve(uow, {"SKU-A": 2}, reference="c3")
        await uow.commit()
    async with container.uow(tid) as uow:
        assert await inventory.release_reservation(uow, r2) is True
        assert await inventory.release_reservation(uow, r2) is False
        assert await inventory.restock_reservation(uow, r1) is True
        assert await inventory.restock_reservation(uow, r1) is False
        await uow.commit()
    async with container.uow(tid) as uow:
        [row] = await inventory.stock_of(uow, "SKU-A")
        assert (row.stock_quantity, row.reserved_quantity) == (5, 0)
    assert len(await _events(container, tid, "stock.low")) >= 1


async def test_expired_reservation_frees_stock_with_controlled_clock(container):
    tid = await make_tenant(container)
    await _stocked(container, tid, 4)
    now = utcnow()
    container.clock = lambda: now
    async with container.uow(tid) as uow:
        rid = await inventory.reserve(uow, {"SKU-A": 4}, reference="c1", now=now, ttl=timedelta(minutes=15))
        await uow.commit()
    assert await inventory.expire_reservations_job(container) == 0  # not yet expired
    container.clock = lambda: now + timedelta(minutes=16)
    assert await inventory.expire_reservations_job(container) == 1
    async with container.uow(tid) as uow:
        assert await inventory.availability(uow, ["SKU-A"]) == {"SKU-A": 4}
        # committing the expired reservation takes the units again, since they are still there
        await inventory.commit_reservation(uow, rid)
        await uow.commit()
    async with container.uow(tid) as uow:
        [row] = await inventory.stock_of(uow, "SKU-A")
        assert (row.stock_quantity, row.reserved_quantity) == (0, 0)


async def test_database_refuses_negative_stock(container):
    tid = await make_tenant(container)
    await _stocked(container, tid, 1)
    async with container.uow(tid) as uow:
        with pytest.raises(IntegrityError):
            await uow.session.execute(text("UPDATE stock_items SET reserved_quantity = stock_quantity + 1"))
    async with container.uow(tid) as uow:
        with pytest.raises(IntegrityError):
            await uow.session.execute(text("UPDATE stock_items SET stock_quantity = -1, reserved_quantity = 0"))
