"""Demo data: two warehouses and stock for every SKU the demo catalog sells (one batch)."""

from __future__ import annotations

from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.products import public as products

from . import service

WAREHOUSES = (("CD-SP", "Centro de Distribuição São Paulo", "SP"), ("CD-PE", "Centro de Distribuição Recife", "PE"))


async def catalog_skus(uow: UnitOfWork) -> list[str]:
    """The catalog's SKUs."""
    return [str(s) for s in await products.list_skus(uow)]


async def seed_demo(container: Container, uow: UnitOfWork, options: dict[str, Any]) -> None:
    whs = [await service.ensure_warehouse(uow, code, name, state) for code, name, state in WAREHOUSES]
    skus = await catalog_skus(uow)
    have = await service.availability(uow, skus)
    lines = []
    for n, sku in enumerate(sorted(skus)):
        if have.get(sku):
            continue  # idempotent: already stocked
        lines.append((sku, whs[0].id, 40 + (n * 7) % 160, 20))
        if n % 3 == 0:
            lines.append((sku, whs[1].id, 15 + n % 30, 10))
    await service.seed_stock(uow, lines, reason="demo stock", actor="seed-demo")
