"""Training runs: load the tenant's data, evaluate against the baseline in the same run, register the
version with its metrics, and promote it only when it beats the baseline."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import structlog
from sqlalchemy import select

from ecovarejo import __version__
from ecovarejo.core.container import Container
from ecovarejo.core.db import utcnow
from ecovarejo.core.models import Tenant

from . import classify, data, forecast, fraud, pricing, recommend
from . import repository as repo
from .models import MlModel
from .names import MODEL_NAMES
from .registry import ModelStore
from .screen import DEFAULT_DECLINE_AT, DEFAULT_HOLD_AT, ScoredModel

log = structlog.get_logger("ecovarejo.ml.training")

#: Metrics where less is better (errors); the others are scores.
LOWER_IS_BETTER = frozenset({"mase", "mae_units"})
#: An unlabelled, never-held order older than this had its chance to be charged back: legitimate.
SETTLED_AFTER = timedelta(days=30)
Progress = Callable[[str, str], None]


@dataclass(frozen=True)
class TrainingResult:
    name: str
    version: int
    metric: str
    value: float
    baseline: float
    promoted: bool
    reason: str
    samples: int
    seconds: float
    metrics: dict[str, float] = field(default_factory=dict)
    baseline_metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class _Outcome:
    metric: str
    metrics: dict[str, float]
    baseline: dict[str, float]
    samples: int
    model: object | None
    data_from: datetime | None
    data_to: datetime | None
    evaluable: bool


def beats(value: float, baseline: float, metric: str = "") -> bool:
    """The promotion rule: strictly better than the baseline measured in the same run."""
    return value < baseline if metric in LOWER_IS_BETTER else value > baseline


async def _recommendations(container: Container, tenant_id: uuid.UUID) -> _Outcome:
    async with container.uow(tenant_id, read_only=True) as uow:
        baskets = await data.baskets(uow)
        products, skus = await data.catalog(uow)
    return await asyncio.to_thread(fit_recommendations, baskets, products, skus)


def fit_recommendations(
    baskets: Sequence[recommend.Basket], products: Sequence[recommend.ProductInfo], skus: dict[uuid.UUID, str]
) -> _Outcome:
    ev = recommend.evaluate(baskets, products)
    model = recommend.fit(baskets, products)
    model.skus = skus
    return _Outcome(
        "score", ev.metrics, ev.baseline, len(baskets), model,
        baskets[0].at if baskets else None, baskets[-1].at if baskets else None, ev.queries > 0,
    )  # fmt: skip


async def _fraud(container: Container, tenant_id: uuid.UUID) -> _Outcome:
    now = utcnow()
    async with container.uow(tenant_id, read_only=True) as uow:
        rows = await repo.training_rows(uow, limit=500_000)
        policy = await repo.policy(uow)
    labelled: list[tuple[fraud.Features, int]] = []
    for r in rows:
        label = r.label
        if label is None and r.review_status is None and r.created_at < now - SETTLED_AFTER:
            label = 0
        if label is not None:
            labelled.append((fraud.Features({k: float(v) for k, v in (r.features or {}).items()}), int(label)))
    hold_at = policy.hold_at if policy else DEFAULT_HOLD_AT
    decline_at = policy.decline_at if policy else DEFAULT_DECLINE_AT
    tr = await asyncio.to_thread(fraud.train, labelled, hold_at=hold_at, decline_at=decline_at)
    return _Outcome(
        "average_precision", tr.metrics, tr.baseline, tr.samples, tr.model,
        rows[0].created_at if rows else None, rows[-1].created_at if rows else None, tr.model is not None,
    )  # fmt: skip


async def _forecast(container: Container, tenant_id: uuid.UUID) -> _Outcome:
    async with container.uow(tenant_id, read_only=True) as uow:
        sold = await data.sales(uow)
    return await asyncio.to_thread(fit_forecast, sold, utcnow().date())


def fit_forecast(sold: Sequence[forecast.Sale], today: date) -> _Outcome:
    """Whole weeks from the first sale (two years at most) to the last complete week."""
    end = forecast.window(today, 0)
    first = min((s.day for s in sold), default=end)
    weeks = max(0, min(104, (end - first).days // 7 + 1))
    start = forecast.window(today, weeks)
    series = forecast.weekly(sold, start, weeks)
    ev = forecast.evaluate(series)
    model = forecast.fit(series, today)
    at = [datetime.combine(d, datetime.min.time(), tzinfo=UTC) for d in (start, end)] if weeks else [None, None]
    return _Outcome("mase", ev.metrics, ev.baseline, len(series), model, at[0], at[1], ev.series > 0)


async def _classify(container: Container, tenant_id: uuid.UUID) -> _Outcome:
    async with container.uow(tenant_id, read_only=True) as uow:
        rows = await data.labelled_products(uow)
    tr = await asyncio.to_thread(classify.train, rows)
    return _Outcome("accuracy", tr.metrics, tr.baseline, tr.samples, tr.model, None, None, tr.model is not None)


async def _pricing(container: Container, tenant_id: uuid.UUID) -> _Outcome:
    async with container.uow(tenant_id, read_only=True) as uow:
        sold = await data.priced_sales(uow)
    tr = await asyncio.to_thread(pricing.train, sold)
    return _Outcome("mae_units", tr.metrics, tr.baseline, tr.samples, tr.model, None, None, tr.model is not None)


TRAINERS = {
    "recommendations": _recommendations,
    "fraud": _fraud,
    "forecast": _forecast,
    "classify": _classify,
    "pricing": _pricing,
}


async def train_one(container: Container, store: ModelStore, tenant_id: uuid.UUID, name: str) -> TrainingResult:
    started = time.perf_counter()
    out = await TRAINERS[name](container, tenant_id)
    value, base = float(out.metrics.get(out.metric, 0.0)), float(out.baseline.get(out.metric, 0.0))
    if not out.evaluable:
        promoted, reason = False, "not enough data to evaluate against the baseline"
    elif beats(value, base, out.metric):
        promoted, reason = True, f"{out.metric} {value:.4f} beats the baseline's {base:.4f}"
    else:
        promoted, reason = False, f"{out.metric} {value:.4f} does not beat the baseline's {base:.4f}"
    async with container.uow(tenant_id, actor="system:ml") as uow:
        version = await repo.next_version(uow, name)
        artifact = None
        served: object | None = None
        if promoted and out.model is not None:
            served = ScoredModel(out.model, version) if isinstance(out.model, fraud.FraudModel) else out.model
            artifact = await store.save(tenant_id, name, version, served)
        row = MlModel(
            name=name, version=version, metric=out.metric, metrics=out.metrics, baseline_metrics=out.baseline,
            data_from=out.data_from, data_to=out.data_to, samples=out.samples,
            code_version=f"{__version__}/{_algorithm(name)}", promoted=promoted, reason=reason[:300],
            artifact=artifact,
        )  # fmt: skip
        repo.add(uow, row)
        await uow.flush()
        if promoted:
            await repo.unpromote_others(uow, name, row.id)
        await uow.commit()
    if served is not None:
        store.promoted(tenant_id, name, version, served)
    seconds = round(time.perf_counter() - started, 3)
    log.info("ml_trained", tenant_id=str(tenant_id), model=name, version=version, metric=out.metric, value=value,
             baseline=base, promoted=promoted, seconds=seconds)  # fmt: skip
    return TrainingResult(name, version, out.metric, value, base, promoted, reason, out.samples, seconds,
                          out.metrics, out.baseline)  # fmt: skip


def _algorithm(name: str) -> str:
    algorithms = {"recommendations": recommend.ALGORITHM, "fraud": fraud.ALGORITHM, "classify": classify.ALGORITHM,
                  "pricing": pricing.ALGORITHM}  # fmt: skip
    return algorithms.get(name, forecast.ALGORITHM)


async def train(
    container: Container,
    store: ModelStore,
    tenant_id: uuid.UUID,
    names: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> list[TrainingResult]:
    results = []
    for name in names or MODEL_NAMES:
        if name not in TRAINERS:
            raise ValueError(f"unknown model {name!r}; one of {', '.join(MODEL_NAMES)}")
        if progress:
            progress(name, "training")
        results.append(await train_one(container, store, tenant_id, name))
        if progress:
            progress(name, "done")
    return results


async def tenants(container: Container) -> list[tuple[uuid.UUID, str]]:
    async with container.db.system_session() as s:
        rows = (await s.execute(select(Tenant.id, Tenant.slug).order_by(Tenant.slug))).all()
    return [(r[0], r[1]) for r in rows]


#: Where a tenant waits for its first training (``Tenant.settings``): the demo seed sets it, and the
#: ``ml.first-training`` job trains the tenant in the background and clears it, so seeding stays fast
#: and the shop opens at once (recommendations fall back to popularity until then).
FIRST_TRAINING = "ml_first_training"


async def request_first_training(container: Container, tenant_id: uuid.UUID) -> None:
    """Mark ``tenant_id`` for the ``ml.first-training`` job (idempotent)."""
    async with container.db.system_session() as s:
        tenant = await s.get(Tenant, tenant_id)
        if tenant is not None and not (tenant.settings or {}).get(FIRST_TRAINING):
            tenant.settings = {**(tenant.settings or {}), FIRST_TRAINING: "pending"}
            await s.commit()


async def first_training_pending(container: Container) -> list[uuid.UUID]:
    """The tenants waiting for their first training."""
    async with container.db.system_session() as s:
        rows = (await s.execute(select(Tenant.id, Tenant.settings).order_by(Tenant.slug))).all()
    return [r[0] for r in rows if (r[1] or {}).get(FIRST_TRAINING) == "pending"]


async def train_pending(container: Container, store: ModelStore, names: Sequence[str] = MODEL_NAMES) -> int:
    """The ``ml.first-training`` job: train every model of the tenants the seed marked, then unmark them."""
    trained = 0
    for tenant_id in await first_training_pending(container):
        for name in names:
            async with container.uow(tenant_id, read_only=True) as uow:
                if await repo.latest(uow, name) is not None:
                    continue  # trained meanwhile (``ecovarejo ml train``)
            try:
                await train_one(container, store, tenant_id, name)
                trained += 1
            except Exception:
                log.exception("ml_training_failed", tenant_id=str(tenant_id), model=name)
        async with container.db.system_session() as s:
            tenant = await s.get(Tenant, tenant_id)
            if tenant is not None:
                tenant.settings = {**(tenant.settings or {}), FIRST_TRAINING: "done"}
                await s.commit()
    return trained


async def retrain_due(container: Container, store: ModelStore, every: timedelta) -> int:
    """The worker's job: retrain each tenant's models whose last training is older than ``every``."""
    trained = 0
    for tenant_id, _slug in await tenants(container):
        for name in MODEL_NAMES:
            async with container.uow(tenant_id, read_only=True) as uow:
                last = await repo.latest(uow, name)
            if last is not None and last.created_at > utcnow() - every:
                continue
            try:
                await train_one(container, store, tenant_id, name)
                trained += 1
            except Exception:
                log.exception("ml_training_failed", tenant_id=str(tenant_id), model=name)
    return trained
