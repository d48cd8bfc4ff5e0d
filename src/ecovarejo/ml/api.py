"""HTTP: recommendations for the storefront (public, cacheable), and staff endpoints for the models
and the fraud review queue."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from ecovarejo.core.auth import Principal, optional_principal, require_permission
from ecovarejo.core.http import get_container, get_read_uow, get_tenant, get_uow
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.orders.public import OrderView

from . import public
from .schemas import (
    AppliedPriceOut,
    AssessmentList,
    ClassificationOut,
    ModelList,
    PriceSuggestionList,
    RecommendationsOut,
    ReorderList,
    ThresholdsOut,
    TrainedList,
)

router = APIRouter(prefix="/api/v1", tags=["ml"])
manage_orders = require_permission("manage_orders")
view_reports = require_permission("view_reports")
manage_products = require_permission("manage_products")


@router.get("/recommendations/products/{product_id}/bought-together", response_model=RecommendationsOut)
async def bought_together(
    product_id: uuid.UUID, request: Request, limit: int = Query(4, ge=1, le=20),
    uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:  # fmt: skip
    """Products often bought with this one (the tenant's co-purchases)."""
    return (await public.bought_together(get_container(request), uow, product_id, limit)).as_json()


@router.get("/recommendations/products/{product_id}/similar", response_model=RecommendationsOut)
async def similar(
    product_id: uuid.UUID, request: Request, limit: int = Query(8, ge=1, le=20),
    uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:  # fmt: skip
    return (await public.similar(get_container(request), uow, product_id, limit)).as_json()


@router.get("/recommendations/products/{product_id}/greener", response_model=RecommendationsOut)
async def greener(
    product_id: uuid.UUID, request: Request, limit: int = Query(3, ge=1, le=10),
    uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:  # fmt: skip
    """A similar product with a better sustainability score or a lower footprint."""
    return (await public.greener_alternatives(get_container(request), uow, product_id, limit)).as_json()


@router.get("/recommendations/for-you", response_model=RecommendationsOut)
async def for_you(
    request: Request, limit: int = Query(8, ge=1, le=20), principal: Principal | None = Depends(optional_principal),
    uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:  # fmt: skip
    """Personal picks for the signed-in customer; popular products otherwise."""
    user = principal.user_id if principal else None
    return (await public.for_you(get_container(request), uow, user, limit)).as_json()


# --------------------------------------------------------------------------- staff


def _model_json(m: public.ModelView) -> dict[str, Any]:
    return {
        "name": m.name, "version": m.version, "metric": m.metric, "value": m.value, "baseline": m.baseline,
        "metrics": m.metrics, "baseline_metrics": m.baseline_metrics,
        "data_from": m.data_from.isoformat() if m.data_from else None,
        "data_to": m.data_to.isoformat() if m.data_to else None, "samples": m.samples,
        "code_version": m.code_version, "promoted": m.promoted, "reason": m.reason,
        "created_at": m.created_at.isoformat(),
    }  # fmt: skip


@router.get("/ml/models", response_model=ModelList)
async def models(
    name: str | None = Query(None, max_length=40), limit: int = Query(50, ge=1, le=200),
    _: Principal = Depends(view_reports), uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:  # fmt: skip
    """Every trained version with its metric next to the baseline's, and whether it was promoted."""
    return {"items": [_model_json(m) for m in await public.list_models(uow, name, limit)]}


class TrainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    models: list[str] | None = Field(default=None, max_length=5)


@router.post("/ml/train", response_model=TrainedList)
async def train(body: TrainIn, request: Request, _: Principal = Depends(view_reports)) -> dict[str, Any]:
    """Train now (synchronously) for this tenant; the worker also retrains on a schedule."""
    from ecovarejo.core.errors import InvalidInput

    unknown = sorted(set(body.models or ()) - set(public.MODEL_NAMES))
    if unknown:
        raise InvalidInput(f"unknown models: {', '.join(unknown)}", code="unknown_model")
    results = await public.train(get_container(request), get_tenant(request).id, body.models)
    return {
        "items": [
            {"name": r.name, "version": r.version, "metric": r.metric, "value": r.value, "baseline": r.baseline,
             "promoted": r.promoted, "reason": r.reason, "samples": r.samples, "seconds": r.seconds}
            for r in results
        ]
    }  # fmt: skip


@router.get("/ml/reorder-suggestions", response_model=ReorderList)
async def reorder_suggestions(
    request: Request,
    lead_time_days: int = Query(7, ge=1, le=180),
    service_level: float = Query(0.95, ge=0.5, le=0.999),
    review_days: int = Query(14, ge=1, le=180),
    only_due: bool = False,
    limit: int = Query(200, ge=1, le=1000),
    _: Principal = Depends(manage_products),
    uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:
    """Reorder point and quantity per SKU from the demand forecast (never applied automatically)."""
    rows = await public.reorder_suggestions(
        get_container(request), uow, lead_time_days=lead_time_days, service_level=service_level,
        review_days=review_days, only_due=only_due, limit=limit,
    )  # fmt: skip
    return {"items": [r.__dict__ for r in rows]}


class ClassifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)


@router.post("/ml/classify", response_model=ClassificationOut)
async def classify(body: ClassifyIn, request: Request, _: Principal = Depends(manage_products)) -> dict[str, Any]:
    """Likely category, certifications and tags for a product's name and description (suggestions)."""
    s = await public.suggest_classification(get_container(request), get_tenant(request).id, body.name,
                                            body.description)  # fmt: skip
    if s is None:
        return {"source": "none", "category": None, "confidence": 0.0, "certifications": [], "tags": []}
    return {"source": "model", "category": s.category, "confidence": s.confidence,
            "certifications": list(s.certifications), "tags": list(s.tags)}  # fmt: skip


@router.get("/ml/price-suggestions", response_model=PriceSuggestionList)
async def price_suggestions(
    request: Request, limit: int = Query(100, ge=1, le=1000), _: Principal = Depends(manage_products),
    uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:  # fmt: skip
    """Suggested prices with the expected revenue change and the confidence (never applied by itself)."""
    rows = await public.price_suggestions(get_container(request), uow, limit)
    return {
        "items": [
            {"product_id": str(r.product_id), "current": str(r.current), "suggested": str(r.suggested),
             "elasticity": r.elasticity, "expected_revenue_change_pct": r.expected_revenue_change_pct,
             "confidence": r.confidence, "cost": str(r.cost) if r.cost is not None else None,
             "floor": str(r.floor) if r.floor is not None else None,
             "expected_margin_change_pct": r.expected_margin_change_pct}
            for r in rows
        ]
    }  # fmt: skip


@router.post("/ml/price-suggestions/{product_id}/apply", response_model=AppliedPriceOut)
async def apply_price(
    product_id: uuid.UUID, request: Request, who: Principal = Depends(manage_products),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, str]:  # fmt: skip
    """Apply the suggestion (one click, as the staff member: the catalog records the change)."""
    price = await public.apply_price(get_container(request), uow, product_id, who)
    await uow.commit()
    return {"product_id": str(product_id), "price": str(price)}


@router.get("/ml/fraud/reviews", response_model=AssessmentList)
async def reviews(
    status: str = Query("pending", max_length=10), limit: int = Query(50, ge=1, le=200),
    _: Principal = Depends(manage_orders), uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:  # fmt: skip
    """Held orders waiting for a decision (or the decided ones, by status)."""
    return {"items": await public.review_queue(uow, status, limit)}


@router.post("/ml/fraud/reviews/{order_id}/approve", response_model=OrderView)
async def approve(order_id: uuid.UUID, request: Request, who: Principal = Depends(manage_orders)) -> dict[str, Any]:
    """The payment is captured and the order continues."""
    return await public.decide_review(get_container(request), get_tenant(request).id, order_id, approve=True,
                                      principal=who)  # fmt: skip


@router.post("/ml/fraud/reviews/{order_id}/reject", response_model=OrderView)
async def reject(order_id: uuid.UUID, request: Request, who: Principal = Depends(manage_orders)) -> dict[str, Any]:
    """The order is cancelled: the authorization is voided and the stock released."""
    return await public.decide_review(get_container(request), get_tenant(request).id, order_id, approve=False,
                                      principal=who)  # fmt: skip


class ThresholdsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hold_at: float = Field(gt=0, le=1)
    decline_at: float = Field(gt=0, le=1)


@router.put("/ml/fraud/thresholds", response_model=ThresholdsOut)
async def thresholds(
    body: ThresholdsIn, request: Request, _: Principal = Depends(manage_orders), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, float]:
    t = await public.set_fraud_thresholds(get_container(request), uow, body.hold_at, body.decline_at)
    await uow.commit()
    return {"hold_at": t.hold_at, "decline_at": t.decline_at}
