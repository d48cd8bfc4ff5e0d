"""``ecovarejo analytics backfill``: rebuild the order facts from the orders that exist.

Idempotent (each order's facts are rewritten whole) and resumable: after every page the cursor is
saved in ``analytics_checkpoints`` in the same transaction as the page's facts, so a run that stops
half-way continues from the last saved page; ``restart`` starts from the newest order again. Then the
daily rollups are recomputed from the facts month by month (also checkpointed), which repairs any
rollup row a failed write or a hand edit left behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta

from ecovarejo.core.container import Container
from ecovarejo.orders import public as orders

from . import repository as repo
from . import rollup_rebuild
from .ingest import CategoryIndex, build_facts

CHECKPOINT = "backfill"


async def backfill(
    container: Container,
    tenant_id: uuid.UUID,
    *,
    page: int = 200,
    restart: bool = False,
    progress: Callable[[int], None] | None = None,
    rollup_progress: Callable[[str], None] | None = None,
    stop_after_pages: int | None = None,
) -> int:
    """Rebuild facts page by page (newest orders first), then the rollups month by month from the facts;
    returns how many orders were written."""
    done = 0
    pages = 0
    async with container.uow(tenant_id, actor="analytics:backfill") as uow:
        state = None if restart else await repo.get_checkpoint(uow, CHECKPOINT)
    cursor = state.get("cursor") if state and not state.get("finished") else None
    facts_done = bool(state and not state.get("finished") and state.get("facts_done"))
    while not facts_done:
        async with container.uow(tenant_id, actor="analytics:backfill") as uow:
            chunk = await orders.list_orders(uow, limit=page, cursor=cursor)
            categories = await CategoryIndex.load(uow)
            for summary in chunk["items"]:
                detail = await orders.order_detail(uow, uuid.UUID(summary["id"]))
                fact, lines = await build_facts(uow, detail, categories)
                await repo.replace_order(uow, fact, lines)
            cursor = chunk.get("next_cursor")
            await repo.set_checkpoint(
                uow, CHECKPOINT, {"cursor": cursor, "finished": False, "facts_done": cursor is None}
            )
            await uow.commit()
        done += len(chunk["items"])
        pages += 1
        if progress:
            progress(done)
        if cursor is None:
            break
        if stop_after_pages is not None and pages >= stop_after_pages:
            return done
    await rebuild_rollups(container, tenant_id, progress=rollup_progress)
    return done


async def rebuild_rollups(
    container: Container, tenant_id: uuid.UUID, *, progress: Callable[[str], None] | None = None
) -> None:
    """Recompute the tenant's rollups from the facts: the customer rows and cohorts (one transaction), then
    the daily and monthly rollups one month per transaction; each step done is saved with it, so a stopped
    run continues with the next one (idempotent: each step replaces its rows)."""
    async with container.uow(tenant_id, actor="analytics:backfill") as uow:
        state = await repo.get_checkpoint(uow, CHECKPOINT) or {}
        first, last = await repo.fact_day_range(uow)
    if first is not None and not state.get("customers_done"):
        async with container.uow(tenant_id, actor="analytics:backfill") as uow:
            await rollup_rebuild.rebuild_customers(uow)
            state = {"cursor": None, "finished": False, "facts_done": True, "customers_done": True}
            await repo.set_checkpoint(uow, CHECKPOINT, state)
            await uow.commit()
        if progress:
            progress("customers")
    if first is None or last is None:
        async with container.uow(tenant_id, actor="analytics:backfill") as uow:
            await rollup_rebuild.rebuild(uow)
            await repo.set_checkpoint(uow, CHECKPOINT, {"cursor": None, "finished": True})
            await uow.commit()
        return
    month = first.replace(day=1)
    if state.get("rollups_done"):
        month = max(month, date.fromisoformat(state["rollups_done"]) + timedelta(days=1))
    while month <= last:
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        async with container.uow(tenant_id, actor="analytics:backfill") as uow:
            await rollup_rebuild.rebuild(uow, month, end, customers=False)
            finished = end >= last
            await repo.set_checkpoint(
                uow,
                CHECKPOINT,
                {"cursor": None, "finished": finished, "facts_done": True, "customers_done": True,
                 "rollups_done": end.isoformat()},
            )  # fmt: skip
            await uow.commit()
        if progress:
            progress(month.strftime("%Y-%m"))
        month = end + timedelta(days=1)
