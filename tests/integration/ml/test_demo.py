"""The demo's fraud history: one assessment per purchase plus a planted ring; the fraud model trained
on it beats the rules and is promoted, and planting twice changes nothing."""

from __future__ import annotations

from datetime import timedelta

from ecovarejo.core.db import utcnow
from ecovarejo.ml import public as ml
from ecovarejo.ml.demo import RING_ORDERS, plant_fraud_history
from tests.support import make_tenant

from . import history


async def test_planted_fraud_ring_is_learnt(container) -> None:
    tid = await make_tenant(container)
    items = await history.catalog(container, tid, per_category=4)
    await history.orders(container, tid, items, customers=150, start=utcnow() - timedelta(days=340))
    async with container.uow(tid, actor="test") as uow:
        planted = await plant_fraud_history(uow, utcnow())
        await uow.commit()
    assert planted == 600 + RING_ORDERS
    async with container.uow(tid, actor="test") as uow:
        assert await plant_fraud_history(uow, utcnow()) == 0
    [result] = await ml.train(container, tid, ["fraud"])
    assert result.promoted and result.value > result.baseline, result
    assert result.metrics["recall@hold"] >= 0 and result.metrics["test_frauds"] > 0


async def test_seed_leaves_training_to_the_first_training_job(container) -> None:
    """The seed only marks the tenant; the ``ml.first-training`` job trains it once and unmarks it."""
    tid = await make_tenant(container)
    items = await history.catalog(container, tid, per_category=4)
    await history.orders(container, tid, items, customers=150, start=utcnow() - timedelta(days=340))
    async with container.uow(tid, actor="test") as uow:
        await plant_fraud_history(uow, utcnow())
        await uow.commit()
    async with container.uow(tid, read_only=True) as uow:
        assert await ml.list_models(uow) == []  # planting trains nothing
    await ml.request_first_training(container, tid)
    await ml.request_first_training(container, tid)  # idempotent
    assert tid in await ml.first_training_pending(container)
    store = ml.ports_of(container).store
    assert await ml.train_pending(container, store, names=("fraud",)) == 1
    async with container.uow(tid, read_only=True) as uow:
        [model] = await ml.list_models(uow)
    assert model.name == "fraud" and model.promoted
    assert tid not in await ml.first_training_pending(container)
    assert await ml.train_pending(container, store, names=("fraud",)) == 0  # once
