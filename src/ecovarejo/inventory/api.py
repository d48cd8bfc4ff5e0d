"""Inventory HTTP API: public availability, and the admin's warehouses, adjustments, moves, low stock."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Query

from ecovarejo.core.auth import Principal, require_permission
from ecovarejo.core.errors import InvalidInput
from ecovarejo.core.http import get_read_uow, get_uow
from ecovarejo.core.uow import UnitOfWork

from . import service
from .schemas import (
    AdjustIn,
    Availability,
    MoveIn,
    MovementList,
    MovementOut,
    StockList,
    StockOut,
    WarehouseIn,
    WarehouseOut,
)

router = APIRouter(prefix="/api/v1", tags=["inventory"])
staff = require_permission("manage_products")


@router.get("/inventory/availability", response_model=Availability)
async def availability(
    skus: str = Query(..., max_length=2000, description="comma-separated SKUs"),
    uow: UnitOfWork = Depends(get_read_uow),
) -> Availability:
    wanted = [s.strip() for s in skus.split(",") if s.strip()][:100]
    return Availability(items=await service.availability(uow, wanted))


@router.get("/admin/inventory/warehouses", response_model=list[WarehouseOut])
async def warehouses(_: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)) -> list[WarehouseOut]:
    return [WarehouseOut.model_validate(w) for w in await service.list_warehouses(uow)]


@router.post("/admin/inventory/warehouses", response_model=WarehouseOut, status_code=201)
async def create_warehouse(
    body: WarehouseIn, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_uow)
) -> WarehouseOut:
    wh = await service.create_warehouse(uow, body.code, body.name, body.state)
    await uow.commit()
    return WarehouseOut.model_validate(wh)


@router.post(
    "/admin/inventory/adjust",
    response_model=StockOut,
    summary="Add or remove stock of a SKU the catalog sells",
    description="A SKU the catalog does not know (no product or variant of this tenant has it) is refused "
    "with 404 `unknown_sku` and nothing is written: no stock row, no ledger line, no event.",
)
async def adjust(body: AdjustIn, who: Principal = Depends(staff), uow: UnitOfWork = Depends(get_uow)) -> StockOut:
    view = await service.adjust(
        uow,
        body.sku,
        body.warehouse,
        body.delta,
        reason=body.reason,
        actor=str(who.user_id),
        reorder_level=body.reorder_level,
        product_id=body.product_id,
        supplier_id=body.supplier_id,
        catalog_only=True,
    )
    await uow.commit()
    return StockOut.model_validate(view)


@router.post("/admin/inventory/move", response_model=list[StockOut])
async def move(body: MoveIn, who: Principal = Depends(staff), uow: UnitOfWork = Depends(get_uow)) -> list[StockOut]:
    a, b = await service.move(
        uow, body.sku, body.source, body.target, body.quantity, reason=body.reason, actor=str(who.user_id)
    )
    await uow.commit()
    return [StockOut.model_validate(a), StockOut.model_validate(b)]


@router.get("/admin/inventory/low-stock", response_model=StockList)
async def low_stock(
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=64),
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_read_uow),
) -> StockList:
    after = None
    if cursor:
        try:
            after = uuid.UUID(cursor)
        except ValueError as exc:
            raise InvalidInput("bad cursor", code="invalid_cursor") from exc
    rows = await service.low_stock(uow, limit, after)
    nxt = str(rows[-1][0]) if len(rows) == limit else None
    return StockList(items=[StockOut.model_validate(v) for _, v in rows], next_cursor=nxt)


@router.get("/admin/inventory/stock", response_model=StockList, summary="The stock list: all, low or out, by warehouse")
async def stock_list(
    state: str = Query("all", max_length=10, description="all | low (at or under the reorder level) | out"),
    warehouse: str | None = Query(None, max_length=40, description="warehouse code or id"),
    q: str = Query("", max_length=64, description="SKU prefix"),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=120),
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_read_uow),
) -> StockList:
    views, nxt = await service.stock_list(
        uow, state=state, warehouse=warehouse, sku_prefix=q.strip(), limit=limit, cursor=cursor
    )
    return StockList(items=[StockOut.model_validate(v) for v in views], next_cursor=nxt)


@router.get("/admin/inventory/stock/{sku}", response_model=StockList)
async def stock(sku: str, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)) -> StockList:
    return StockList(items=[StockOut.model_validate(v) for v in await service.stock_of(uow, sku)])


@router.get("/admin/inventory/stock/{sku}/ledger", response_model=MovementList)
async def ledger(
    sku: str,
    limit: int = Query(100, ge=1, le=500),
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_read_uow),
) -> MovementList:
    return MovementList(items=[MovementOut.model_validate(m) for m in await service.ledger(uow, sku, limit)])
