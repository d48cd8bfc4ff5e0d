"""Stands in for a context's ``business_metrics`` service function (the orders context exposes the real one)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ecovarejo.core.models import Tenant
from ecovarejo.core.uow import UnitOfWork


async def business_metrics(uow: UnitOfWork) -> dict[str, dict[str, object]]:
    slugs = (await uow.session.scalars(select(Tenant.slug).order_by(Tenant.slug))).all()
    return {
        slug: {"orders": 2, "revenue": Decimal("199.90"), "co2e_kg": Decimal("1.25"), "ignored": "text"}
        for slug in slugs
    }


async def broken(uow: UnitOfWork) -> dict[str, dict[str, object]]:
    raise RuntimeError("the source is down")
