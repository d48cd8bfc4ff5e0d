"""Batched catalog reads for GraphQL's dataloaders: one query per call whatever the number of products.

Public like ``service`` (written with the graphql context, which calls it; its SQL stays in ``repository``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from ecovarejo.core.uow import UnitOfWork

from . import repository as repo


async def variants_for(uow: UnitOfWork, product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """``product id -> [variant]`` (id, sku, name, color, size, price_override, in_stock), in position order."""
    out: dict[uuid.UUID, list[dict[str, Any]]] = {pid: [] for pid in product_ids}
    for v in await repo.variants(uow, list(product_ids)):
        out.setdefault(v.product_id, []).append(
            {
                "id": v.id,
                "sku": v.sku,
                "name": v.name,
                "color": v.color,
                "size": v.size,
                "price_override": v.price_override,
                "in_stock": v.in_stock,
            }
        )
    return out


async def certifications_for(
    uow: UnitOfWork, product_ids: Sequence[uuid.UUID], today: date | None = None
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """``product id -> [certification]`` (code, name, issuer, level, expiry, status, weight)."""
    today = today or date.today()
    out: dict[uuid.UUID, list[dict[str, Any]]] = {pid: [] for pid in product_ids}
    for pc, c in await repo.product_certifications(uow, list(product_ids)):
        expired = pc.status == "expired" or (pc.expiry is not None and pc.expiry < today)
        out.setdefault(pc.product_id, []).append(
            {
                "code": c.code,
                "name": c.name,
                "issuer": c.issuer,
                "level": pc.level,
                "expiry": pc.expiry,
                "status": "expired" if expired else "valid",
                "weight": Decimal(c.weight),
            }
        )
    return out
