"""Demo data: two warehouses and stock for every SKU the demo catalog sells."""

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
    for n, sku in enumerate(sorted(skus)):
        if have.get(sku):
            continue  # idempotent: already stocked
        await service.adjust(
            uow, sku, whs[0].id, 40 + (n * 7) % 160, reason="demo stock", actor="seed-demo", reorder_level=20
        )
        if n % 3 == 0:
            await service.adjust(uow, sku, whs[1].id, 15 + n % 30, reason="demo stock", actor="seed-demo",
                                 reorder_level=10)  # fmt: skip
    await uow.flush()
