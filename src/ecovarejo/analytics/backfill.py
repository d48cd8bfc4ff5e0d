"""``ecovarejo analytics backfill``: rebuild the order facts from the orders that exist.

Idempotent (each order's facts are rewritten whole) and resumable: after every page the cursor is
saved in ``analytics_checkpoints`` in the same transaction as the page's facts, so a run that stops
half-way continues from the last saved page; ``restart`` starts from the newest order again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from ecovarejo.core.container import Container
from ecovarejo.orders import public as orders

from . import repository as repo
from .ingest import CategoryIndex, build_facts

CHECKPOINT = "backfill"


async def backfill(
    container: Container,
    tenant_id: uuid.UUID,
    *,
    page: int = 200,
    restart: bool = False,
    progress: Callable[[int], None] | None = None,
    stop_after_pages: int | None = None,
) -> int:
    """Rebuild facts page by page (newest orders first); returns how many orders were written."""
    done = 0
    pages = 0
    async with container.uow(tenant_id, actor="analytics:backfill") as uow:
        state = None if restart else await repo.get_checkpoint(uow, CHECKPOINT)
    cursor = state.get("cursor") if state and not state.get("finished") else None
    while True:
        async with container.uow(tenant_id, actor="analytics:backfill") as uow:
            chunk = await orders.list_orders(uow, limit=page, cursor=cursor)
            categories = await CategoryIndex.load(uow)
            for summary in chunk["items"]:
                detail = await orders.order_detail(uow, uuid.UUID(summary["id"]))
                fact, lines = await build_facts(uow, detail, categories)
                await repo.replace_order(uow, fact, lines)
            cursor = chunk.get("next_cursor")
            await repo.set_checkpoint(uow, CHECKPOINT, {"cursor": cursor, "finished": cursor is None})
            await uow.commit()
        done += len(chunk["items"])
        pages += 1
        if progress:
            progress(done)
        if cursor is None or (stop_after_pages is not None and pages >= stop_after_pages):
            return done
