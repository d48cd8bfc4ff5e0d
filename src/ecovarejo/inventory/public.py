"""The inventory context's public surface: what orders, logistics, analytics, GraphQL, web and the CLI
may call. Values are frozen views (:class:`StockView`, :class:`WarehouseView`), never ORM rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ecovarejo.core.uow import UnitOfWork

from . import service
from .models import Warehouse
from .service import (
    DEFAULT_RESERVATION_TTL,
    Held,
    HeldLine,
    InsufficientStock,
    StockView,
    adjust,
    availability,
    commit_reservation,
    hold,
    low_stock,
    release_held_by_reference,
    release_reservation,
    reserve,
    restock_reservation,
    stock_of,
)

__all__ = [
    "DEFAULT_RESERVATION_TTL",
    "Held",
    "HeldLine",
    "InsufficientStock",
    "InventoryStockReader",
    "StockView",
    "WarehouseView",
    "adjust",
    "availability",
    "commit_reservation",
    "ensure_warehouse",
    "hold",
    "list_warehouses",
    "low_stock",
    "release_held_by_reference",
    "release_reservation",
    "reserve",
    "restock_reservation",
    "stock_of",
]


@dataclass(frozen=True)
class WarehouseView:
    id: uuid.UUID
    code: str
    name: str
    #: UF of the warehouse (shipping origin).
    state: str
    is_active: bool

    @classmethod
    def of(cls, w: Warehouse) -> WarehouseView:
        return cls(id=w.id, code=w.code, name=w.name, state=w.state, is_active=w.is_active)


async def list_warehouses(uow: UnitOfWork) -> list[WarehouseView]:
    return [WarehouseView.of(w) for w in await service.list_warehouses(uow)]


async def ensure_warehouse(uow: UnitOfWork, code: str, name: str, state: str = "SP") -> WarehouseView:
    return WarehouseView.of(await service.ensure_warehouse(uow, code, name, state))


class InventoryStockReader:
    """The products context's ``StockReader`` port (it sits below inventory and cannot import it)."""

    async def availability(self, uow: UnitOfWork, skus: Sequence[str] | Iterable[str]) -> dict[str, int]:
        return await availability(uow, skus)
