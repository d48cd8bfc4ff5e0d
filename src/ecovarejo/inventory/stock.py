"""Warehouses and stock reads (what :mod:`service` re-exports): per-SKU availability, stock per
warehouse, low-stock lists and the ledger."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from ecovarejo.core.errors import Conflict, InvalidInput, NotFound
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .models import StockItem, StockMovement, Warehouse


@dataclass(frozen=True)
class StockView:
    sku: str
    warehouse_id: uuid.UUID
    warehouse_code: str
    stock_quantity: int
    reserved_quantity: int
    available: int
    reorder_level: int
    product_id: uuid.UUID | None
    supplier_id: str | None


# --------------------------------------------------------------------------- warehouses


async def create_warehouse(uow: UnitOfWork, code: str, name: str, state: str = "SP") -> Warehouse:
    code = code.strip().upper()
    if not code:
        raise InvalidInput("warehouse code is required", code="invalid_warehouse")
    if await repo.warehouse_by_code(uow, code) is not None:
        raise Conflict(f"warehouse {code} already exists", code="warehouse_exists")
    wh = Warehouse(code=code, name=name, state=state.upper())
    repo.add(uow, wh)
    await uow.flush()
    return wh


async def ensure_warehouse(uow: UnitOfWork, code: str, name: str, state: str = "SP") -> Warehouse:
    wh = await repo.warehouse_by_code(uow, code.upper())
    return wh or await create_warehouse(uow, code, name, state)


async def list_warehouses(uow: UnitOfWork) -> list[Warehouse]:
    return await repo.list_warehouses(uow)


async def _warehouse(uow: UnitOfWork, ref: uuid.UUID | str) -> Warehouse:
    wh: Warehouse | None
    if isinstance(ref, uuid.UUID):
        wh = await repo.get_warehouse(uow, ref)
    else:
        try:
            wh = await repo.get_warehouse(uow, uuid.UUID(ref))
        except ValueError:
            wh = await repo.warehouse_by_code(uow, ref.upper())
    if wh is None:
        raise NotFound("unknown warehouse", code="warehouse_not_found")
    return wh


# --------------------------------------------------------------------------- reads


async def availability(uow: UnitOfWork, skus: Iterable[str]) -> dict[str, int]:
    """Available units (stock minus reserved) per SKU over active warehouses; 0 for unknown SKUs."""
    return await repo.available_by_sku(uow, skus)


async def stock_of(uow: UnitOfWork, sku: str) -> list[StockView]:
    items = await repo.stock_items(uow, [sku])
    whs = {w.id: w for w in await repo.list_warehouses(uow)}
    return [_view(i, whs[i.warehouse_id]) for i in items]


async def low_stock(
    uow: UnitOfWork, limit: int = 50, after: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, StockView]]:
    return [(s.id, _view(s, w)) for s, w in await repo.low_stock(uow, limit, after)]


STOCK_STATES = ("all", "low", "out")


async def stock_list(
    uow: UnitOfWork,
    *,
    state: str = "all",
    warehouse: str | None = None,
    sku_prefix: str = "",
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[StockView], str | None]:
    """A page of the stock list (``state`` all/low/out, a warehouse's code or id, a SKU prefix) and the
    cursor of the next page."""
    if state not in STOCK_STATES:
        raise InvalidInput(f"state must be one of {', '.join(STOCK_STATES)}", code="invalid_stock_state")
    wh = await _warehouse(uow, warehouse) if warehouse else None
    after: tuple[str, uuid.UUID] | None = None
    if cursor:
        sku, _, raw_id = cursor.rpartition("|")
        try:
            after = (sku, uuid.UUID(raw_id))
        except ValueError as exc:
            raise InvalidInput("bad cursor", code="invalid_cursor") from exc
    rows = await repo.stock_list(
        uow, state=state, warehouse_id=wh.id if wh else None, sku_prefix=sku_prefix, limit=limit, after=after
    )
    nxt = f"{rows[-1][0].sku}|{rows[-1][0].id}" if len(rows) == limit else None
    return [_view(s, w) for s, w in rows], nxt


async def ledger(uow: UnitOfWork, sku: str, limit: int = 100) -> list[StockMovement]:
    return await repo.movements(uow, sku, limit)


def _view(i: StockItem, w: Warehouse) -> StockView:
    return StockView(
        sku=i.sku,
        warehouse_id=w.id,
        warehouse_code=w.code,
        stock_quantity=i.stock_quantity,
        reserved_quantity=i.reserved_quantity,
        available=i.available,
        reorder_level=i.reorder_level,
        product_id=i.product_id,
        supplier_id=i.supplier_id,
    )
