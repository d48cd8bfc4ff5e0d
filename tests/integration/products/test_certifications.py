"""The daily certification job: expiry marks, rescoring, expiring/expired events exactly once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from ecovarejo.core.db import utcnow
from ecovarejo.core.models import OutboxEvent
from ecovarejo.products import certifications, queries, scores
from ecovarejo.products.plugin import CONTEXT, certification_job
from tests.support import eventually

from .helpers import default_tenant, product


async def _events(container, type_):
    async with container.db.system_session() as s:
        rows = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == type_))).all()
    return [r.envelope["data"] for r in rows]


async def test_job_marks_rescores_and_emits_once(container) -> None:
    t = await default_tenant(container)
    today = utcnow().date()
    supplier = uuid.uuid4()
    expiry = today + timedelta(days=10)
    p = await product(
        container,
        t,
        sku="FSC-1",
        name="Tábua de Bambu",
        supplier_id=str(supplier),
        biodegradable=True,
        certifications=[
            {"name": "FSC", "expiry": expiry.isoformat()},
            {"name": "B Corp", "expiry": (today + timedelta(days=200)).isoformat()},
        ],
    )
    # FSC 2.0 + B Corp 1.5 + carbon unknown 0 + biodegradable 1 = 4.5
    assert p.sustainability.sustainability_score == Decimal("4.5")
    assert ("products.certifications", 86400.0) == CONTEXT.jobs[0][:2]

    totals = await certification_job(container)  # today: FSC expires in 10 days
    assert totals["expiring"] == 1 and totals["expired"] == 0
    await certification_job(container)  # not twice
    expiring = await _events(container, "certification.expiring")
    assert expiring == [
        {
            "product_id": str(p.id),
            "sku": "FSC-1",
            "name": "Tábua de Bambu",
            "supplier_id": str(supplier),
            "certification": "FSC",
            "expiry": expiry.isoformat(),
            "days_left": 10,
        }
    ]

    async with container.uow(t) as uow:  # the day after the expiry
        counts = await certifications.check_certifications(uow, on=expiry + timedelta(days=1))
        await uow.commit()
    assert counts["expired"] == 1
    async with container.uow(t) as uow:
        assert (await certifications.check_certifications(uow, on=expiry + timedelta(days=2)))["expired"] == 0
        await uow.commit()
    expired = await _events(container, "certification.expired")
    assert len(expired) == 1 and expired[0]["certification"] == "FSC"
    async with container.uow(t) as uow:
        doc = await queries.get_product(uow, p.id)
        sellable = await queries.get_sellable(uow, "FSC-1")
        explained = await scores.explain_score(uow, p.slug)
    assert {c.code: c.status for c in doc.sustainability.certifications} == {"FSC": "expired", "B-CORP": "valid"}
    assert doc.sustainability.sustainability_score == Decimal("2.5")  # B Corp 1.5 + biodegradable 1
    assert sellable is not None and sellable.certified and sellable.sustainability_score == Decimal("2.5")
    assert "not counted (expired): FSC" in explained["components"][0]["detail"]


async def test_an_expired_certificate_does_not_certify(container) -> None:
    t = await default_tenant(container)
    old = (utcnow().date() - timedelta(days=1)).isoformat()
    await product(container, t, sku="OLD-1", name="Sabonete", certifications=[{"name": "Ecocert", "expiry": old}])
    async with container.uow(t) as uow:
        s = await queries.get_sellable(uow, "OLD-1")
    assert s is not None and not s.certified and s.sustainability_score == Decimal("0.0")


async def test_order_delivered_and_stock_events_are_consumed(container) -> None:
    t = await default_tenant(container)
    p = await product(container, t, sku="EV-1", name="Caderno Reciclado", variants=[{"sku": "EV-1-A5"}])
    user = uuid.uuid4()
    async with container.uow(t) as uow:
        uow.emit(
            "order-events",
            "order.delivered",
            {
                "order_id": str(uuid.uuid4()),
                "user_id": str(user),
                "items": [{"product_id": str(p.id), "sku": "EV-1-A5", "quantity": 1}],
            },
        )
        uow.emit("inventory-events", "stock.replenished", {"sku": "EV-1-A5", "product_id": None, "available": 0})
        await uow.commit()
    from .conftest import settle

    await settle(container)

    from ecovarejo.products import repository as repo

    async def applied():
        async with container.uow(t) as uow:
            bought = await repo.has_purchase(uow, user, p.id)
            prod = await queries.get_product(uow, p.id)
        return prod if bought and not prod.in_stock else None

    prod = await eventually(applied)
    assert not prod.in_stock and not prod.variants[0].in_stock
