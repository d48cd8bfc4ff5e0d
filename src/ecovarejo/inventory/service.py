"""Inventory rules: adjust and move stock, reserve for checkout, commit or release reservations.

Every change takes the row locks of the SKUs it touches in primary-key order (see
:func:`repository.lock_stock_items`), checks availability under the lock, writes a ledger row, and
relies on the table's CHECK constraints as the last line against overselling. No network call is
made inside these transactions; the checkout saga commits the reservation before it calls the
payment gateway.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.db import new_id, utcnow
from ecovarejo.core.errors import Conflict, InvalidInput, NotFound
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.products import public as products

from . import repository as repo
from .models import Reservation, ReservationLine, StockItem, StockMovement

# Warehouses and stock reads live in stock.py; re-exported so that ``service`` stays the one entry point.
from .stock import StockView as StockView
from .stock import _view, _warehouse
from .stock import availability as availability
from .stock import create_warehouse as create_warehouse
from .stock import ensure_warehouse as ensure_warehouse
from .stock import ledger as ledger
from .stock import list_warehouses as list_warehouses
from .stock import low_stock as low_stock
from .stock import stock_list as stock_list
from .stock import stock_of as stock_of

TOPIC = "inventory-events"
#: How long checkout holds stock before the expiry job gives it back.
DEFAULT_RESERVATION_TTL = timedelta(minutes=15)

Clock = Callable[[], datetime]


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    title = "Insufficient stock"


# --------------------------------------------------------------------------- change tracking


class _Tracker:
    """Snapshots availability before a change, then emits ``stock.low`` / ``stock.replenished``."""

    def __init__(self, items: list[StockItem], active: set[uuid.UUID]) -> None:
        self.active = active
        self.item_before = {i.id: i.available for i in items}
        self.sku_before = self._by_sku(items)

    def _by_sku(self, items: Iterable[StockItem]) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in items:
            out.setdefault(i.sku, 0)
            if i.warehouse_id in self.active:
                out[i.sku] += i.available
        return out

    def emit(self, uow: UnitOfWork, items: list[StockItem]) -> None:
        for i in items:
            before = self.item_before.get(i.id)
            if before is not None and before > i.reorder_level >= i.available:
                uow.emit(
                    TOPIC,
                    "stock.low",
                    {
                        "sku": i.sku,
                        "product_id": str(i.product_id) if i.product_id else None,
                        "warehouse_id": str(i.warehouse_id),
                        "available": i.available,
                        "reorder_level": i.reorder_level,
                        "supplier_id": i.supplier_id,
                    },
                    subject=i.sku,
                )
        after = self._by_sku(items)
        for sku, now in sorted(after.items()):
            if self.sku_before.get(sku, 0) <= 0 < now:
                product_id = next((i.product_id for i in items if i.sku == sku and i.product_id), None)
                uow.emit(
                    TOPIC,
                    "stock.replenished",
                    {"sku": sku, "product_id": str(product_id) if product_id else None, "available": now},
                    subject=sku,
                )


def _ledger(
    uow: UnitOfWork,
    item: StockItem,
    kind: str,
    *,
    stock: int = 0,
    reserved: int = 0,
    reason: str,
    actor: str | None,
    reference: str | None = None,
) -> None:
    repo.add(
        uow,
        StockMovement(
            stock_item_id=item.id,
            warehouse_id=item.warehouse_id,
            sku=item.sku,
            kind=kind,
            stock_delta=stock,
            reserved_delta=reserved,
            reason=reason[:200],
            actor=actor,
            reference=reference,
        ),
    )


# --------------------------------------------------------------------------- admin changes


async def _product_id_for(uow: UnitOfWork, sku: str) -> uuid.UUID | None:
    """The catalog's product id for ``sku`` (read, no lock held yet)."""
    sellable = await products.get_sellable(uow, sku)
    return sellable.product_id if sellable is not None else None


async def adjust(
    uow: UnitOfWork,
    sku: str,
    warehouse: uuid.UUID | str,
    delta: int,
    *,
    reason: str,
    actor: str | None,
    reorder_level: int | None = None,
    product_id: uuid.UUID | None = None,
    supplier_id: str | None = None,
    catalog_only: bool = False,
) -> StockView:
    """Add (``delta > 0``) or remove stock; removing more than is available (unreserved) is refused.
    ``catalog_only`` (the HTTP API always sets it) refuses a SKU the catalog does not sell (no stock for a
    typo) before anything is written, and links the stock to the catalog's product, whatever
    ``product_id`` said; without it (seeds, benchmarks) stock may run ahead of the catalog."""
    sku = sku.strip()
    if not sku:
        raise InvalidInput("sku is required", code="invalid_sku")
    in_catalog = await _product_id_for(uow, sku) if catalog_only or product_id is None else product_id
    if catalog_only and in_catalog is None:
        raise NotFound(f"SKU {sku} is not in the catalog", code="unknown_sku")
    if reorder_level is not None and reorder_level < 0:
        raise InvalidInput("reorder_level must be >= 0", code="invalid_reorder_level")
    wh = await _warehouse(uow, warehouse)
    known_product = in_catalog if catalog_only else (product_id or in_catalog)
    items = await repo.lock_stock_items(uow, [sku])
    tracker = _Tracker(items, await repo.active_warehouse_ids(uow))
    item = next((i for i in items if i.warehouse_id == wh.id), None)
    if item is None:
        item = StockItem(
            warehouse_id=wh.id, sku=sku, stock_quantity=0, reserved_quantity=0, reorder_level=reorder_level or 0
        )
        repo.add(uow, item)
        items.append(item)
        await uow.flush()
        tracker.item_before[item.id] = 0
    if delta < 0 and item.available < -delta:
        raise InsufficientStock(
            f"only {item.available} unreserved units of {sku} in {wh.code}",
            extra={"sku": sku, "available": item.available},
        )
    item.stock_quantity += delta
    if reorder_level is not None:
        item.reorder_level = reorder_level
    if known_product is not None:
        item.product_id = known_product
    if supplier_id is not None:
        item.supplier_id = supplier_id
    if delta:
        _ledger(uow, item, "adjust", stock=delta, reason=reason, actor=actor)
    await uow.flush()
    tracker.emit(uow, items)
    return _view(item, wh)


async def seed_stock(
    uow: UnitOfWork, lines: list[tuple[str, uuid.UUID, int, int]], *, reason: str, actor: str | None
) -> int:
    """Stock for SKUs that have none yet, in one batch (the demo seed): ``(sku, warehouse id, quantity,
    reorder level)`` lines become stock items and their ledger rows in one flush. No ``stock.*`` event:
    nothing was out of stock before (a new catalog is created in stock), so nothing is replenished."""
    skus = sorted({sku for sku, *_ in lines})
    have = {(i.sku, i.warehouse_id) for i in await repo.lock_stock_items(uow, skus)} if skus else set()
    sellables = await products.get_sellables(uow, skus) if skus else {}
    added = 0
    for sku, warehouse_id, quantity, reorder_level in lines:
        if (sku, warehouse_id) in have or quantity <= 0:
            continue
        sellable = sellables.get(sku)
        item = StockItem(
            id=new_id(),
            warehouse_id=warehouse_id,
            sku=sku,
            product_id=sellable.product_id if sellable is not None else None,
            stock_quantity=quantity,
            reserved_quantity=0,
            reorder_level=reorder_level,
        )
        repo.add(uow, item)
        _ledger(uow, item, "adjust", stock=quantity, reason=reason, actor=actor)
        added += 1
    await uow.flush()
    return added


async def move(
    uow: UnitOfWork,
    sku: str,
    source: uuid.UUID | str,
    target: uuid.UUID | str,
    quantity: int,
    *,
    reason: str,
    actor: str | None,
) -> tuple[StockView, StockView]:
    if quantity <= 0:
        raise InvalidInput("quantity must be positive", code="invalid_quantity")
    src, dst = await _warehouse(uow, source), await _warehouse(uow, target)
    if src.id == dst.id:
        raise InvalidInput("source and target are the same warehouse", code="same_warehouse")
    items = await repo.lock_stock_items(uow, [sku])
    tracker = _Tracker(items, await repo.active_warehouse_ids(uow))
    from_item = next((i for i in items if i.warehouse_id == src.id), None)
    if from_item is None or from_item.available < quantity:
        available = from_item.available if from_item else 0
        raise InsufficientStock(
            f"only {available} unreserved units of {sku} in {src.code}", extra={"sku": sku, "available": available}
        )
    to_item = next((i for i in items if i.warehouse_id == dst.id), None)
    if to_item is None:
        to_item = StockItem(
            warehouse_id=dst.id,
            sku=sku,
            stock_quantity=0,
            reserved_quantity=0,
            reorder_level=from_item.reorder_level,
            product_id=from_item.product_id,
            supplier_id=from_item.supplier_id,
        )
        repo.add(uow, to_item)
        items.append(to_item)
        await uow.flush()
        tracker.item_before[to_item.id] = 0
    from_item.stock_quantity -= quantity
    to_item.stock_quantity += quantity
    ref = f"move:{uuid.uuid4().hex[:12]}"
    _ledger(uow, from_item, "move_out", stock=-quantity, reason=reason, actor=actor, reference=ref)
    _ledger(uow, to_item, "move_in", stock=quantity, reason=reason, actor=actor, reference=ref)
    await uow.flush()
    tracker.emit(uow, items)
    return _view(from_item, src), _view(to_item, dst)


# --------------------------------------------------------------------------- reservations


def _emit_low(uow: UnitOfWork, row: Any, before_available: int) -> None:
    after = row.stock_quantity - row.reserved_quantity
    if before_available > row.reorder_level >= after:
        uow.emit(
            TOPIC,
            "stock.low",
            {
                "sku": row.sku,
                "product_id": str(row.product_id) if row.product_id else None,
                "warehouse_id": str(row.warehouse_id),
                "available": after,
                "reorder_level": row.reorder_level,
                "supplier_id": row.supplier_id,
            },
            subject=row.sku,
        )


async def _emit_replenished(uow: UnitOfWork, gained: dict[str, int], product_ids: dict[str, Any]) -> None:
    """``stock.replenished`` for SKUs whose total availability just went from 0 to more than 0."""
    if not gained:
        return
    totals = await repo.available_by_sku(uow, gained)
    for sku in sorted(gained):
        now = totals.get(sku, 0)
        if now > 0 >= now - gained[sku]:
            pid = product_ids.get(sku)
            uow.emit(
                TOPIC,
                "stock.replenished",
                {"sku": sku, "product_id": str(pid) if pid else None, "available": now},
                subject=sku,
            )


def _plan(items: list[StockItem], active: set[uuid.UUID], wanted: dict[str, int]) -> list[tuple[StockItem, int]]:
    """Which rows give how many units: one warehouse when one has them all (fewer parcels), else several
    in id order. Raises :class:`InsufficientStock` when the SKU's total is short."""
    plan: list[tuple[StockItem, int]] = []
    for sku in sorted(wanted):
        need = wanted[sku]
        candidates = [i for i in items if i.sku == sku and i.warehouse_id in active and i.available > 0]
        total = sum(i.available for i in candidates)
        if total < need:
            raise InsufficientStock(
                f"only {total} units of {sku} available", extra={"sku": sku, "available": total, "requested": need}
            )
        single = next((i for i in candidates if i.available >= need), None)
        for item in [single] if single else candidates:
            take = min(need, item.available)
            plan.append((item, take))
            need -= take
            if need == 0:
                break
    return sorted(plan, key=lambda p: p[0].id)


@dataclass(frozen=True)
class HeldLine:
    stock_item_id: uuid.UUID
    warehouse_id: uuid.UUID
    sku: str
    quantity: int


@dataclass(frozen=True)
class Held:
    """A reservation just made, with its lines: committing it needs no re-read (:func:`commit_reservation`)."""

    id: uuid.UUID
    lines: tuple[HeldLine, ...]


def _write_lines(
    uow: UnitOfWork, reservation_id: uuid.UUID, plan: list[tuple[StockItem, int]], reference: str, actor: str | None
) -> tuple[Held, list[object]]:
    """The reservation's lines and their ledger rows (added, not flushed)."""
    rows: list[object] = []
    lines: list[HeldLine] = []
    for item, qty in plan:
        lines.append(HeldLine(item.id, item.warehouse_id, item.sku, qty))
        rows.append(ReservationLine(id=new_id(), reservation_id=reservation_id, stock_item_id=item.id, sku=item.sku,
                                    quantity=qty))  # fmt: skip
        rows.append(
            StockMovement(
                id=new_id(), stock_item_id=item.id, warehouse_id=item.warehouse_id, sku=item.sku, kind="reserve",
                stock_delta=0, reserved_delta=qty, reason="checkout", actor=actor, reference=reference[:100],
            ),
        )  # fmt: skip
    for row in rows:
        repo.add(uow, row)
    return Held(reservation_id, tuple(lines)), rows


async def reserve(
    uow: UnitOfWork,
    lines: Mapping[str, int],
    *,
    reference: str,
    now: datetime | None = None,
    ttl: timedelta = DEFAULT_RESERVATION_TTL,
    actor: str | None = None,
) -> uuid.UUID:
    """Hold ``lines`` (SKU -> units) until ``now + ttl``; all or nothing (see :func:`hold`)."""
    return (await hold(uow, lines, reference=reference, now=now, ttl=ttl, actor=actor)).id


async def hold(
    uow: UnitOfWork,
    lines: Mapping[str, int],
    *,
    reference: str,
    now: datetime | None = None,
    ttl: timedelta = DEFAULT_RESERVATION_TTL,
    actor: str | None = None,
) -> Held:
    """Hold ``lines`` (SKU -> units) until ``now + ttl``; all or nothing. Raises :class:`InsufficientStock`.

    Fast path: plan from one unlocked read (stock rows with their warehouse's state), write the
    reservation, its lines and ledger rows, and only then take the units with one conditional UPDATE
    per stock row in primary-key order, so that a hot SKU's row stays locked for that UPDATE and the
    commit, nothing else. When a row changed meanwhile, the units taken so far are put back, the lines
    withdrawn, and the plan is made again under ``FOR UPDATE`` locks.
    """
    wanted = {sku: qty for sku, qty in lines.items() if qty > 0}
    if not wanted:
        raise InvalidInput("nothing to reserve", code="empty_reservation")
    items, active = await repo.stock_items_and_active(uow, wanted)
    plan = _plan(items, active, wanted)
    now = now or utcnow()
    reservation = Reservation(id=new_id(), reference=reference[:100], status="held", expires_at=now + ttl)
    repo.add(uow, reservation)
    held, written = _write_lines(uow, reservation.id, plan, reference, actor)
    await uow.flush()
    taken: list[tuple[Any, int]] = []
    for item, qty in plan:
        row = await repo.take_if_available(uow, item.id, qty)
        if row is None:
            break
        taken.append((row, qty))
    if len(taken) < len(plan):  # contention: put back, withdraw the lines, plan again under row locks
        for done, q in taken:
            await repo.shift(uow, done.id, 0, -q)
        await repo.withdraw_lines(uow, reservation.id, [r.id for r in written if isinstance(r, StockMovement)])
        for r in written:
            uow.session.expunge(r)
        items = await repo.lock_stock_items(uow, wanted)
        plan = _plan(items, active, wanted)
        taken = [(await repo.shift(uow, item.id, 0, qty), qty) for item, qty in plan]
        held, _ = _write_lines(uow, reservation.id, plan, reference, actor)
    for row, qty in taken:
        _emit_low(uow, row, row.stock_quantity - row.reserved_quantity + qty)
    return held


async def _apply_lines(
    uow: UnitOfWork, reservation_id: uuid.UUID, kind: str, reason: str, actor: str | None
) -> list[ReservationLine]:
    """Commit, release or restock a reservation's lines: one atomic UPDATE per row, in primary-key order."""
    lines = sorted(await repo.reservation_lines(uow, reservation_id), key=lambda ln: ln.stock_item_id)
    deltas = {"commit": (-1, -1), "release": (0, -1), "restock": (1, 0)}[kind]
    gained: dict[str, int] = {}
    products: dict[str, Any] = {}
    for ln in lines:
        ds, dr = deltas[0] * ln.quantity, deltas[1] * ln.quantity
        row = await repo.shift(uow, ln.stock_item_id, ds, dr)
        repo.add(
            uow,
            StockMovement(
                stock_item_id=row.id, warehouse_id=row.warehouse_id, sku=row.sku, kind=kind, stock_delta=ds,
                reserved_delta=dr, reason=reason[:200], actor=actor, reference=str(reservation_id),
            ),
        )  # fmt: skip
        change = ds - dr  # available = stock - reserved
        if change > 0:
            gained[row.sku] = gained.get(row.sku, 0) + change
            products[row.sku] = products.get(row.sku) or row.product_id
        elif change < 0:
            _emit_low(uow, row, row.stock_quantity - row.reserved_quantity - change)
    await uow.flush()
    await _emit_replenished(uow, gained, products)
    return lines


async def commit_reservation(
    uow: UnitOfWork, reservation_id: uuid.UUID, *, actor: str | None = None, lines: Sequence[HeldLine] | None = None
) -> None:
    """Turn held units into sold units. A reservation that expired meanwhile is taken again from stock
    if it is still there (else :class:`InsufficientStock`), so a slow payment never oversells.

    ``lines``, the reservation's lines as :func:`hold` answered them, spare their re-read; the ledger
    rows are then written before the stock rows are touched, which are the last statements here."""
    if await repo.flip_reservation(uow, reservation_id, "held", "committed"):
        if lines is None:
            await _apply_lines(uow, reservation_id, "commit", "order placed", actor)
        else:
            await _commit_known(uow, reservation_id, lines, actor)
        return
    res = await repo.get_reservation(uow, reservation_id)
    if res is None:
        raise NotFound("unknown reservation", code="reservation_not_found")
    await uow.session.refresh(res)
    if res.status == "committed":
        return
    if res.status in ("expired", "released"):
        again: dict[str, int] = {}
        for ln in await repo.reservation_lines(uow, reservation_id):
            again[ln.sku] = again.get(ln.sku, 0) + ln.quantity
        again_id = await reserve(uow, again, reference=res.reference, actor=actor)
        await repo.flip_reservation(uow, again_id, "held", "committed")
        await _apply_lines(uow, again_id, "commit", "order placed (after expiry)", actor)
        return
    raise Conflict(f"reservation is {res.status}", code="reservation_not_held")


async def _commit_known(
    uow: UnitOfWork, reservation_id: uuid.UUID, lines: Sequence[HeldLine], actor: str | None
) -> None:
    ordered = sorted(lines, key=lambda ln: ln.stock_item_id)
    for ln in ordered:
        repo.add(
            uow,
            StockMovement(
                stock_item_id=ln.stock_item_id, warehouse_id=ln.warehouse_id, sku=ln.sku, kind="commit",
                stock_delta=-ln.quantity, reserved_delta=-ln.quantity, reason="order placed", actor=actor,
                reference=str(reservation_id),
            ),
        )  # fmt: skip
    await uow.flush()  # everything pending first: the stock rows' UPDATEs end the transaction's work
    for ln in ordered:
        # available (stock - reserved) is unchanged by a commit: no stock.low / stock.replenished
        await repo.shift(uow, ln.stock_item_id, -ln.quantity, -ln.quantity)


async def release_reservation(
    uow: UnitOfWork, reservation_id: uuid.UUID, *, reason: str = "released", actor: str | None = None
) -> bool:
    """Give held units back (payment failed, checkout abandoned). ``False`` when not held any more."""
    if not await repo.flip_reservation(uow, reservation_id, "held", "released"):
        return False
    await _apply_lines(uow, reservation_id, "release", reason, actor)
    return True


async def release_held_by_reference(uow: UnitOfWork, reference: str, *, reason: str, actor: str | None = None) -> int:
    """Release every reservation still held under ``reference`` (a retried checkout frees what its crashed
    attempt reserved); returns how many."""
    released = 0
    for rid in await repo.held_reservation_ids(uow, reference):
        released += int(await release_reservation(uow, rid, reason=reason, actor=actor))
    return released


async def restock_reservation(
    uow: UnitOfWork, reservation_id: uuid.UUID, *, reason: str = "order cancelled", actor: str | None = None
) -> bool:
    """Put the units of a committed reservation back on the shelf (cancellation, return). Once only."""
    if not await repo.flip_reservation(uow, reservation_id, "committed", "restocked"):
        return False
    await _apply_lines(uow, reservation_id, "restock", reason, actor)
    return True


async def release_expired(uow: UnitOfWork, now: datetime, limit: int = 200) -> int:
    """Release this tenant's held reservations past their expiry; returns how many were released."""
    count = 0
    for _tenant, rid in await repo.expired_reservation_ids(uow, now, limit):
        if await repo.flip_reservation(uow, rid, "held", "expired"):
            await _apply_lines(uow, rid, "release", "reservation expired", "system:expiry")
            count += 1
    return count


#: A held reservation this long past its expiry means the expiry job (every 30 s) is behind.
EXPIRY_GRACE = timedelta(minutes=2)


async def overdue_reservations(container: Container) -> int:
    """How many held reservations are past expiry by more than :data:`EXPIRY_GRACE` (all tenants)."""
    async with container.uow(None, read_only=True) as sys_uow:
        return await repo.count_overdue_reservations(sys_uow, container.now() - EXPIRY_GRACE)


async def expire_reservations_job(container: Container) -> int:
    """Worker job: find expired reservations across tenants, release each tenant's in its own unit of work."""
    now = container.now()
    async with container.uow(None, read_only=True) as sys_uow:
        found = await repo.expired_reservation_ids(sys_uow, now, 1000)
    total = 0
    for tenant_id in sorted({t for t, _ in found}):
        async with container.uow(tenant_id, actor="system:expiry") as uow:
            total += await release_expired(uow, now)
            await uow.commit()
    return total
