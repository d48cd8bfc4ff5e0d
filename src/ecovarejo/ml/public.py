"""The ml context's public surface: recommendations (with fallbacks that never raise), training, the
model registry, and the fraud review queue. Views are frozen dataclasses."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import structlog

from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.errors import NotFound
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.inventory import public as inventory
from ecovarejo.products import public as products
from ecovarejo.products.public import ProductPatch
from ecovarejo.users import public as users

from . import repository as repo
from . import screen
from .classify import ClassifierModel
from .forecast import ForecastModel, reorder
from .names import MODEL_NAMES
from .pricing import PriceSuggestion, PricingModel
from .pricing import suggest as suggest_price
from .recommend import RecModel
from .registry import ModelStore
from .screen import MlFraudScreen, Thresholds
from .training import (
    Progress,
    TrainingResult,
    beats,
    first_training_pending,
    request_first_training,
    retrain_due,
    tenants,
    train_pending,
)
from .training import train as _train

log = structlog.get_logger("ecovarejo.ml")

__all__ = [
    "MODEL_NAMES",
    "ClassificationSuggestion",
    "MlCategorySuggester",
    "MlPorts",
    "ModelView",
    "PriceSuggestion",
    "ProductCard",
    "Recommendations",
    "ReorderSuggestion",
    "Thresholds",
    "TrainingResult",
    "apply_price",
    "beats",
    "bought_together",
    "decide_review",
    "first_training_pending",
    "for_you",
    "greener_alternatives",
    "list_models",
    "price_suggestions",
    "reorder_suggestions",
    "request_first_training",
    "retrain_due",
    "review_queue",
    "set_fraud_thresholds",
    "similar",
    "suggest_classification",
    "tenants",
    "train",
    "train_pending",
]


@dataclass
class MlPorts:
    """What the ml context keeps per process: the model store (serving cache) and the fraud screen."""

    store: ModelStore
    screen: MlFraudScreen
    retrain_every: timedelta


@dataclass(frozen=True)
class ProductCard:
    id: uuid.UUID
    sku: str
    name: str
    slug: str
    price: Decimal
    currency: str
    image_url: str | None
    sustainability_score: Decimal
    carbon_footprint: Decimal

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "sku": self.sku,
            "name": self.name,
            "slug": self.slug,
            "price": {"amount": str(self.price), "currency": self.currency},
            "image_url": self.image_url,
            "sustainability_score": str(self.sustainability_score),
            "carbon_footprint": str(self.carbon_footprint),
        }


@dataclass(frozen=True)
class Recommendations:
    items: tuple[ProductCard, ...]
    #: ``model`` (the tenant's promoted model), ``popular`` (cold start), ``catalog`` (no model: rules on
    #: the catalog) or ``none`` (nothing to show; the page hides the block).
    source: str

    def as_json(self) -> dict[str, Any]:
        return {"items": [c.as_json() for c in self.items], "source": self.source}


@dataclass(frozen=True)
class ModelView:
    name: str
    version: int
    metric: str
    value: float
    baseline: float
    metrics: dict[str, Any]
    baseline_metrics: dict[str, Any]
    data_from: datetime | None
    data_to: datetime | None
    samples: int
    code_version: str
    promoted: bool
    reason: str
    created_at: datetime


def ports_of(container: Container) -> MlPorts:
    return container.ports.get(MlPorts)


async def _model(container: Container, tenant_id: uuid.UUID) -> RecModel | None:
    ports = container.ports.get(MlPorts)
    model = await ports.store.get(tenant_id, "recommendations")
    return model if isinstance(model, RecModel) else None


async def _cards(uow: UnitOfWork, model: RecModel, ids: Sequence[uuid.UUID], limit: int) -> tuple[ProductCard, ...]:
    """Fresh prices and availability from the catalog (a model's view of them may be a day old)."""
    skus = [model.skus[i] for i in ids if i in model.skus]
    sellables = await products.get_sellables(uow, skus)
    out = []
    for sku in skus:
        s = sellables.get(sku)
        if s is not None and s.is_active:
            out.append(_card(s))
        if len(out) >= limit:
            break
    return tuple(out)


def _card(s: Any) -> ProductCard:
    return ProductCard(
        s.product_id, s.sku, s.name, s.slug, s.unit_price, s.currency, s.image_url,
        Decimal(str(s.sustainability_score)), Decimal(str(s.carbon_footprint_kg)),
    )  # fmt: skip


def _summary_card(p: dict[str, Any]) -> ProductCard:
    return ProductCard(
        uuid.UUID(str(p["id"])), str(p["sku"]), str(p["name"]), str(p["slug"]), Decimal(str(p["price"]["amount"])),
        str(p["price"].get("currency") or "BRL"), p.get("image_url"), Decimal(str(p.get("sustainability_score") or 0)),
        Decimal(str(p.get("carbon_footprint") or 0)),
    )  # fmt: skip


async def _safe(kind: str, coro: Any) -> Recommendations:
    try:
        result: Recommendations = await coro
        return result
    except Exception:  # a recommendation block never breaks a page
        log.exception("ml_recommendations_failed", kind=kind)
        return Recommendations((), "none")


async def bought_together(
    container: Container, uow: UnitOfWork, product_id: uuid.UUID, limit: int = 4
) -> Recommendations:
    """ "Frequently bought together" (product page, cart); without a model, nothing."""

    async def run() -> Recommendations:
        assert uow.tenant_id is not None
        model = await _model(container, uow.tenant_id)
        if model is None:
            return Recommendations((), "none")
        cards = await _cards(uow, model, model.bought_together_ids(product_id, limit * 2), limit)
        return Recommendations(cards, "model" if cards else "none")

    return await _safe("bought_together", run())


async def similar(container: Container, uow: UnitOfWork, product_id: uuid.UUID, limit: int = 8) -> Recommendations:
    """Similar products (content); without a model, the best rated of the same category."""

    async def run() -> Recommendations:
        assert uow.tenant_id is not None
        model = await _model(container, uow.tenant_id)
        if model is not None:
            cards = await _cards(uow, model, model.similar_ids(product_id, limit * 2), limit)
            if cards:
                return Recommendations(cards, "model")
        return await _same_category(uow, product_id, limit, sort="rating", better_than=None)

    return await _safe("similar", run())


async def greener_alternatives(
    container: Container, uow: UnitOfWork, product_id: uuid.UUID, limit: int = 3
) -> Recommendations:
    """A similar product with a better sustainability score or a lower footprint; without a model, the
    same category's products that score higher."""

    async def run() -> Recommendations:
        assert uow.tenant_id is not None
        model = await _model(container, uow.tenant_id)
        if model is not None:
            cards = await _cards(uow, model, model.greener_ids(product_id, limit * 2), limit)
            if cards:
                return Recommendations(cards, "model")
        me = await products.get_product(uow, product_id)
        return await _same_category(uow, product_id, limit, sort="score_desc",
                                    better_than=Decimal(str(me.sustainability.sustainability_score)))  # fmt: skip

    return await _safe("greener", run())


async def _same_category(
    uow: UnitOfWork, product_id: uuid.UUID, limit: int, *, sort: str, better_than: Decimal | None
) -> Recommendations:
    me = await products.get_product(uow, product_id)
    if me.category is None:
        return Recommendations((), "none")
    page = await products.list_products(uow, category=me.category.id, sort=sort, limit=min(100, limit + 10))
    cards = []
    for p in page["items"]:
        if str(p["id"]) == str(product_id) or p.get("in_stock") is False:
            continue
        if better_than is not None and Decimal(str(p.get("sustainability_score") or 0)) <= better_than:
            continue
        cards.append(_summary_card(p))
        if len(cards) >= limit:
            break
    return Recommendations(tuple(cards), "catalog" if cards else "none")


async def for_you(container: Container, uow: UnitOfWork, user_id: uuid.UUID | None, limit: int = 8) -> Recommendations:
    """Personal picks from the customer's history — only with the customer's ``personalisation`` consent
    (LGPD: the users' consent ledger, opt-in); popular ones for a new or anonymous customer or one who
    has not consented; without a model, the catalog's best scores (nothing personal either)."""

    async def run() -> Recommendations:
        assert uow.tenant_id is not None
        model = await _model(container, uow.tenant_id)
        if model is not None:
            if user_id is not None and await users.has_consent(uow, user_id, "personalisation"):
                ids, source = model.for_user_ids(user_id, limit * 2)
            else:
                ids, source = model.popular_ids(limit * 2), "popular"
            cards = await _cards(uow, model, ids, limit)
            if cards:
                return Recommendations(cards, "model" if source == "personal" else "popular")
        page = await products.list_products(uow, sort="score_desc", limit=limit)
        return Recommendations(tuple(_summary_card(p) for p in page["items"]), "catalog")

    return await _safe("for_you", run())


# --------------------------------------------------------------------------- demand and reorder


@dataclass(frozen=True)
class ReorderSuggestion:
    sku: str
    weekly_forecast: float
    method: str
    available: int
    reorder_point: int
    order_quantity: int
    due: bool


async def reorder_suggestions(
    container: Container, uow: UnitOfWork, *, lead_time_days: int = 7, service_level: float = 0.95,
    review_days: int = 14, only_due: bool = False, limit: int = 200,
) -> list[ReorderSuggestion]:  # fmt: skip
    """Per SKU with a forecast: the reorder point and quantity from the weekly forecast, the lead time
    and the service level, against the stock available now. Empty without a promoted forecast."""
    assert uow.tenant_id is not None
    ports = container.ports.get(MlPorts)
    model = await ports.store.get(uow.tenant_id, "forecast") if isinstance(ports, MlPorts) else None
    if not isinstance(model, ForecastModel):
        return []
    stock = await inventory.availability(uow, list(model.skus))
    out = []
    for sku, f in model.skus.items():
        r = reorder(f, sku, int(stock.get(sku, 0)), lead_time_days=lead_time_days, service_level=service_level,
                    review_days=review_days)  # fmt: skip
        if r.due or not only_due:
            out.append(ReorderSuggestion(r.sku, r.weekly_forecast, r.method, r.available, r.reorder_point,
                                         r.order_quantity, r.due))  # fmt: skip
    out.sort(key=lambda r: (not r.due, -r.order_quantity, r.sku))
    return out[:limit]


# --------------------------------------------------------------------------- classification


@dataclass(frozen=True)
class ClassificationSuggestion:
    category: str | None
    confidence: float
    certifications: tuple[str, ...]
    tags: tuple[str, ...]


async def suggest_classification(
    container: Container, tenant_id: uuid.UUID, name: str, description: str = ""
) -> ClassificationSuggestion | None:
    """Likely category, certifications and tags for a product's pt-BR text; None without a model."""
    ports = container.ports.get(MlPorts)
    model = await ports.store.get(tenant_id, "classify") if isinstance(ports, MlPorts) else None
    text = f"{name}. {description}".strip(". ")
    if not isinstance(model, ClassifierModel) or not text:
        return None
    s = model.suggest(text[:5000])
    return ClassificationSuggestion(s.category, s.confidence, s.certifications, s.tags)


class MlCategorySuggester:
    """The products context's ``CategorySuggester`` port (CSV import): the tenant's promoted classifier."""

    def __init__(self, store: ModelStore) -> None:
        self.store = store

    async def suggest(self, uow: UnitOfWork, name: str, description: str) -> tuple[str, float] | None:
        assert uow.tenant_id is not None
        model = await self.store.get(uow.tenant_id, "classify")
        text = f"{name}. {description}".strip(". ")
        if not isinstance(model, ClassifierModel) or not text:
            return None
        s = model.suggest(text[:5000])
        return (s.category, s.confidence) if s.category else None


# --------------------------------------------------------------------------- price suggestions


async def price_suggestions(container: Container, uow: UnitOfWork, limit: int = 100) -> list[PriceSuggestion]:
    """Per product whose price has moved enough to measure: the suggested price within the band, the
    expected revenue change and the confidence. Never applied by itself; empty without a model."""
    assert uow.tenant_id is not None
    ports = container.ports.get(MlPorts)
    model = await ports.store.get(uow.tenant_id, "pricing") if isinstance(ports, MlPorts) else None
    if not isinstance(model, PricingModel):
        return []
    sellables = await products.get_sellables(uow, list(model.skus.values()))
    out = []
    for pid, e in model.products.items():
        s = sellables.get(model.skus.get(pid, ""))
        if s is not None and s.is_active and s.variant_id is None:
            out.append(replace(suggest_price(e, pid, s.unit_price, cost=s.unit_cost), sku=s.sku, name=s.name))
    out.sort(key=lambda x: -abs(x.expected_revenue_change_pct) * x.confidence)
    return out[:limit]


async def apply_price(container: Container, uow: UnitOfWork, product_id: uuid.UUID, principal: Principal) -> Decimal:
    """Staff apply today's suggestion in one click: a catalog update by that person (its event and
    history say who changed the price, from what, to what)."""
    suggestion = next((s for s in await price_suggestions(container, uow, 10_000) if s.product_id == product_id), None)
    if suggestion is None or suggestion.suggested == suggestion.current:
        raise NotFound("no price suggestion for this product", code="no_price_suggestion")
    await products.update_product(uow, product_id, ProductPatch(price=suggestion.suggested), principal)
    log.info("ml_price_applied", product_id=str(product_id), old=str(suggestion.current),
             new=str(suggestion.suggested), actor=str(principal.user_id))  # fmt: skip
    return suggestion.suggested


# --------------------------------------------------------------------------- lifecycle


async def train(
    container: Container, tenant_id: uuid.UUID, names: Sequence[str] | None = None, progress: Progress | None = None
) -> list[TrainingResult]:
    return await _train(container, ports_of(container).store, tenant_id, names, progress)


async def list_models(uow: UnitOfWork, name: str | None = None, limit: int = 50) -> list[ModelView]:
    return [_model_view(m) for m in await repo.list_models(uow, name, limit)]


def _model_view(m: Any) -> ModelView:
    return ModelView(
        m.name, m.version, m.metric, float(m.metrics.get(m.metric, 0.0)),
        float(m.baseline_metrics.get(m.metric, 0.0)), dict(m.metrics), dict(m.baseline_metrics), m.data_from,
        m.data_to, m.samples, m.code_version, m.promoted, m.reason, m.created_at,
    )  # fmt: skip


# --------------------------------------------------------------------------- fraud review


async def review_queue(uow: UnitOfWork, status: str = "pending", limit: int = 50) -> list[dict[str, Any]]:
    return await screen.queue(uow, status, limit)


async def decide_review(
    container: Container, tenant_id: uuid.UUID, order_id: uuid.UUID, *, approve: bool, principal: Principal
) -> dict[str, Any]:
    return await screen.decide(container, tenant_id, order_id, approve=approve, principal=principal)


async def set_fraud_thresholds(container: Container, uow: UnitOfWork, hold_at: float, decline_at: float) -> Thresholds:
    t = await screen.set_thresholds(uow, hold_at, decline_at)
    assert uow.tenant_id is not None
    ports_of(container).screen.forget(uow.tenant_id)
    return t
