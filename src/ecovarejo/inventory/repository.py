"""All SQL of the inventory context."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from ecovarejo.core.db import utcnow
from ecovarejo.core.uow import UnitOfWork

from .models import Reservation, ReservationLine, StockItem, StockMovement, Warehouse


async def lock_stock_items(uow: UnitOfWork, skus: Iterable[str]) -> list[StockItem]:
    """Every stock row of ``skus``, locked (PostgreSQL ``FOR NO KEY UPDATE``) in primary-key order, so that
    two transactions touching the same SKUs always queue in the same order and never deadlock. The lock is
    an UPDATE's, not ``FOR UPDATE``: that one would also wait for the key-share locks that other checkouts'
    reservation lines and ledger rows (foreign keys to this row) hold until they commit, while they wait
    for us. On SQLite the write transaction (``BEGIN IMMEDIATE``) already serialises writers."""
    wanted = sorted(set(skus))
    if not wanted:
        return []
    q = (
        select(StockItem)
        .where(StockItem.sku.in_(wanted))
        .order_by(StockItem.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return list((await uow.session.scalars(q)).all())


async def stock_items(uow: UnitOfWork, skus: Iterable[str]) -> list[StockItem]:
    wanted = sorted(set(skus))
    if not wanted:
        return []
    q = select(StockItem).where(StockItem.sku.in_(wanted)).order_by(StockItem.id)
    return list((await uow.session.scalars(q)).all())


async def stock_items_and_active(uow: UnitOfWork, skus: Iterable[str]) -> tuple[list[StockItem], set[uuid.UUID]]:
    """The stock rows of ``skus`` (primary-key order) and which of their warehouses are active, in one query."""
    wanted = sorted(set(skus))
    if not wanted:
        return [], set()
    q = (
        select(StockItem, Warehouse.is_active)
        .join(Warehouse, Warehouse.id == StockItem.warehouse_id)
        .where(StockItem.sku.in_(wanted))
        .order_by(StockItem.id)
    )
    rows = (await uow.session.execute(q)).all()
    return [i for i, _ in rows], {i.warehouse_id for i, active in rows if active}


async def withdraw_lines(uow: UnitOfWork, reservation_id: uuid.UUID, movement_ids: list[uuid.UUID]) -> None:
    """Delete a reservation's lines and the given ledger rows, written moments ago in this transaction for
    a plan that could not be taken (the reservation then plans again)."""
    await uow.session.execute(
        delete(ReservationLine)
        .where(ReservationLine.reservation_id == reservation_id)
        .execution_options(synchronize_session=False)
    )
    if movement_ids:
        await uow.session.execute(
            delete(StockMovement).where(StockMovement.id.in_(movement_ids)).execution_options(synchronize_session=False)
        )


async def available_by_sku(uow: UnitOfWork, skus: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    q = (
        select(StockItem.sku, func.sum(StockItem.stock_quantity - StockItem.reserved_quantity))
        .join(Warehouse, Warehouse.id == StockItem.warehouse_id)
        .where(StockItem.sku.in_(wanted), Warehouse.is_active.is_(True))
        .group_by(StockItem.sku)
    )
    rows = (await uow.session.execute(q)).all()
    found = {sku: int(total or 0) for sku, total in rows}
    return {sku: found.get(sku, 0) for sku in wanted}


async def get_warehouse(uow: UnitOfWork, warehouse_id: uuid.UUID) -> Warehouse | None:
    return await uow.session.get(Warehouse, warehouse_id)


async def warehouse_by_code(uow: UnitOfWork, code: str) -> Warehouse | None:
    return await uow.session.scalar(select(Warehouse).where(Warehouse.code == code))


async def list_warehouses(uow: UnitOfWork) -> list[Warehouse]:
    return list((await uow.session.scalars(select(Warehouse).order_by(Warehouse.code))).all())


async def active_warehouse_ids(uow: UnitOfWork) -> set[uuid.UUID]:
    return set((await uow.session.scalars(select(Warehouse.id).where(Warehouse.is_active.is_(True)))).all())


def add(uow: UnitOfWork, obj: object) -> None:
    uow.session.add(obj)


async def low_stock(uow: UnitOfWork, limit: int, after: uuid.UUID | None) -> list[tuple[StockItem, Warehouse]]:
    q = (
        select(StockItem, Warehouse)
        .join(Warehouse, Warehouse.id == StockItem.warehouse_id)
        .where(StockItem.stock_quantity - StockItem.reserved_quantity <= StockItem.reorder_level)
        .order_by(StockItem.id)
        .limit(limit)
    )
    if after is not None:
        q = q.where(StockItem.id > after)
    return [(s, w) for s, w in (await uow.session.execute(q)).all()]


async def stock_list(
    uow: UnitOfWork,
    *,
    state: str,
    warehouse_id: uuid.UUID | None,
    sku_prefix: str,
    limit: int,
    after: tuple[str, uuid.UUID] | None,
) -> list[tuple[StockItem, Warehouse]]:
    """Stock rows by SKU (then id): ``state`` ``low`` (available at or under the reorder level), ``out``
    (nothing available) or ``all``; of one warehouse and/or SKUs starting with ``sku_prefix``."""
    available = StockItem.stock_quantity - StockItem.reserved_quantity
    q = select(StockItem, Warehouse).join(Warehouse, Warehouse.id == StockItem.warehouse_id)
    if state == "low":
        q = q.where(available <= StockItem.reorder_level, available > 0)
    elif state == "out":
        q = q.where(available <= 0)
    if warehouse_id is not None:
        q = q.where(StockItem.warehouse_id == warehouse_id)
    if sku_prefix:
        q = q.where(StockItem.sku.startswith(sku_prefix, autoescape=True))
    if after is not None:
        q = q.where((StockItem.sku > after[0]) | ((StockItem.sku == after[0]) & (StockItem.id > after[1])))
    q = q.order_by(StockItem.sku, StockItem.id).limit(limit)
    return [(s, w) for s, w in (await uow.session.execute(q)).all()]


async def movements(uow: UnitOfWork, sku: str, limit: int) -> list[StockMovement]:
    q = (
        select(StockMovement)
        .where(StockMovement.sku == sku)
        .order_by(StockMovement.created_at.desc(), StockMovement.id.desc())
        .limit(limit)
    )
    return list((await uow.session.scalars(q)).all())


async def get_reservation(uow: UnitOfWork, reservation_id: uuid.UUID) -> Reservation | None:
    return await uow.session.get(Reservation, reservation_id)


async def reservation_lines(uow: UnitOfWork, reservation_id: uuid.UUID) -> list[ReservationLine]:
    q = select(ReservationLine).where(ReservationLine.reservation_id == reservation_id).order_by(ReservationLine.id)
    return list((await uow.session.scalars(q)).all())


async def flip_reservation(uow: UnitOfWork, reservation_id: uuid.UUID, from_status: str, to_status: str) -> bool:
    """Atomically move a reservation between states; ``False`` when another transaction got there first."""
    res = await uow.session.execute(
        update(Reservation)
        .where(Reservation.id == reservation_id, Reservation.status == from_status)
        .values(status=to_status, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def held_reservation_ids(uow: UnitOfWork, reference: str) -> list[uuid.UUID]:
    q = select(Reservation.id).where(Reservation.reference == reference[:100], Reservation.status == "held")
    return list((await uow.session.scalars(q)).all())


async def expired_reservation_ids(uow: UnitOfWork, now: datetime, limit: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant_id, reservation_id) of held reservations past their expiry (system unit of work)."""
    q = (
        select(Reservation.tenant_id, Reservation.id)
        .where(Reservation.status == "held", Reservation.expires_at <= now)
        .order_by(Reservation.expires_at)
        .limit(limit)
    )
    return [(t, r) for t, r in (await uow.session.execute(q)).all()]


async def count_overdue_reservations(uow: UnitOfWork, before: datetime) -> int:
    """Held reservations whose expiry is older than ``before`` (system unit of work; for /metrics)."""
    q = select(func.count(Reservation.id)).where(Reservation.status == "held", Reservation.expires_at <= before)
    return int(await uow.session.scalar(q) or 0)


_ROW = (
    StockItem.id,
    StockItem.sku,
    StockItem.warehouse_id,
    StockItem.product_id,
    StockItem.stock_quantity,
    StockItem.reserved_quantity,
    StockItem.reorder_level,
    StockItem.supplier_id,
)


async def take_if_available(uow: UnitOfWork, item_id: uuid.UUID, qty: int) -> Any | None:
    """Reserve ``qty`` of one stock row in one atomic conditional UPDATE (the row lock is taken here and
    held only until commit); ``None`` when fewer units are available now."""
    res = await uow.session.execute(
        update(StockItem)
        .where(StockItem.id == item_id, StockItem.stock_quantity - StockItem.reserved_quantity >= qty)
        .values(reserved_quantity=StockItem.reserved_quantity + qty, updated_at=utcnow())
        .returning(*_ROW)
        .execution_options(synchronize_session=False)
    )
    return res.first()


async def shift(uow: UnitOfWork, item_id: uuid.UUID, stock_delta: int, reserved_delta: int) -> Any:
    """Apply deltas to one stock row atomically; the CHECK constraints refuse anything negative."""
    res = await uow.session.execute(
        update(StockItem)
        .where(StockItem.id == item_id)
        .values(
            stock_quantity=StockItem.stock_quantity + stock_delta,
            reserved_quantity=StockItem.reserved_quantity + reserved_delta,
            updated_at=utcnow(),
        )
        .returning(*_ROW)
        .execution_options(synchronize_session=False)
    )
    return res.one()
