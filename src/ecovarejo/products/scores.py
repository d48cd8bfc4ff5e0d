"""Stored sustainability scores: recompute them and explain one (the pure formula is :mod:`.score`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from . import score as scoring
from .common import today
from .models import Certification, Product, ProductCertification
from .queries import get_product
from .schemas import ScoreComponent, ScoreExplanation


def _inputs(
    p: Product, pcs: Iterable[tuple[ProductCertification, Certification]], avg: Decimal | None
) -> scoring.ScoreInput:
    return scoring.ScoreInput(
        certifications=tuple(scoring.CertInput(c.code, c.weight, pc.expiry, pc.status) for pc, c in pcs),
        footprint_kg=p.carbon_footprint_kg,
        category_average_kg=avg,
        recyclable=p.recyclable,
        biodegradable=p.biodegradable,
        material=(p.attributes or {}).get("material"),
    )


async def recompute_scores(uow: UnitOfWork, product_ids: list[uuid.UUID] | None = None) -> int:
    """Recompute stored scores (all products when ``product_ids`` is ``None``)."""
    products, pcs = await repo.score_inputs(uow, product_ids)
    avgs = await repo.category_averages(uow)
    t = today()
    scores = {}
    for p in products:
        s = scoring.compute(_inputs(p, pcs.get(p.id, []), avgs.get(p.category_id) if p.category_id else None), t)
        if s != p.sustainability_score:
            scores[p.id] = s
            p.sustainability_score = s
    await uow.flush()
    return len(scores)


async def explain_score(uow: UnitOfWork, ref: uuid.UUID | str, **_: Any) -> dict[str, Any]:
    """The score of a product, point by point."""
    prod = await get_product(uow, ref)
    p = await repo.product(uow, prod.id)
    assert p is not None
    pcs = await repo.product_certifications(uow, [p.id])
    avg = await repo.category_average_footprint(uow, p.category_id) if p.category_id else None
    parts = scoring.components(_inputs(p, pcs, avg), today())
    return ScoreExplanation(
        product_id=p.id,
        sku=p.sku,
        score=scoring.total(parts),
        max_score=scoring.MAX_SCORE,
        components=[
            ScoreComponent(key=c.key, label=c.label, points=c.points, max_points=c.max_points, detail=c.detail)
            for c in parts
        ],
        formula=scoring.FORMULA,
    ).model_dump(mode="json")
