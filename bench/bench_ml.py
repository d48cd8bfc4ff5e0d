"""ML benchmark: training time per model (a demo-sized history and 10x), recommendation serving p99
and fraud scoring p99, each next to a baseline measured in the same run.

python -m bench.bench_ml [--scale 1,10] [--calls 2000]

- Training: the recommendation model (evaluation + refit) against fitting its own popularity baseline
  on the same baskets; the fraud model (evaluation + refit) against scoring the same rows with the rules.
- Serving: ``ml.public.bought_together`` on SQLite (model cached in process, then fresh prices from the
  catalog in one query) and the model lookup alone, against a bare ``SELECT 1`` unit of work.
- Fraud: the checkout's screen (one velocity query, cached thresholds, the flattened trees) against the
  same bare unit of work: what scoring adds to a checkout.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ecovarejo.ml import fraud, recommend
from ecovarejo.ml.recommend import Basket, ProductInfo

CATEGORIES = ("Higiene", "Cozinha", "Moda", "Casa", "Pets", "Bebidas", "Papelaria", "Jardim", "Beleza", "Bebê")


def history(scale: int, seed: int = 1) -> tuple[list[ProductInfo], list[Basket]]:
    """A demo-sized year (240 products, 500 customers, ~2,000 orders) times ``scale``: customers loyal
    to a category, products bought in pairs, a popular head."""
    rng = random.Random(seed)
    products = [
        ProductInfo(uuid.uuid4(), f"{c} produto {i} {'refil' if i % 7 == 0 else 'comum'}", c, 3 + i % 7, 8.0 - i % 7)
        for c in CATEGORIES
        for i in range(24)
    ]
    by_cat = {c: [p for p in products if p.category == c] for c in CATEGORIES}
    start = datetime(2026, 1, 1, tzinfo=UTC)
    baskets = []
    for _ in range(500 * scale):
        uid = uuid.uuid4()
        mine = by_cat[rng.choice(CATEGORIES)]
        for _k in range(rng.randint(2, 6)):
            i = rng.randrange(0, len(mine) - 1, 2)
            extra = (rng.choice(products).id,) if rng.random() < 0.3 else ()
            at = start + timedelta(minutes=rng.randrange(525_600))
            baskets.append(Basket(uid, at, (mine[i].id, mine[i + 1].id, *extra)))
    return products, sorted(baskets, key=lambda b: b.at)


def fraud_rows(scale: int, seed: int = 2) -> list[tuple[fraud.Features, int]]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    rows = []
    for i in range(3000 * scale):
        ring = rng.random() < 0.05
        rows.append(
            (
                fraud.features(
                    total=rng.uniform(300, 900) if ring else rng.uniform(30, 1500),
                    past_orders=0 if ring else rng.choice([0, 1, 4]), user_24h=rng.randint(0, 3),
                    card_24h=rng.randint(1, 3) if ring else rng.choice([0, 1]), ip_24h=0,
                    card_accounts_30d=rng.randint(1, 4) if ring else rng.choice([0, 0, 0, 1]), ip_accounts_30d=0,
                    shipping_state="SP", billing_state=rng.choice(["SP", "RJ"]), email="a@gmail.com",
                    max_quantity=rng.randint(1, 6), lines=rng.randint(1, 4),
                    at=start + timedelta(minutes=i * 7, hours=rng.choice([0, 15]) if ring else 0), card=True,
                ),
                1 if ring else 0,
            )
        )  # fmt: skip
    return rows


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def latencies(fn: Callable[[], Awaitable[object]], calls: int) -> list[float]:
    for _ in range(50):
        await fn()
    out = []
    for _ in range(calls):
        t = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def training(scales: list[int]) -> None:
    print("== training (seconds; ratio = model / its baseline on the same data)")
    for scale in scales:
        products, baskets = history(scale)
        pop = timed(lambda b=baskets: Counter(pid for x in b for pid in x.product_ids).most_common())
        t0 = time.perf_counter()
        e = recommend.evaluate(baskets, products)
        recommend.fit(baskets, products)
        model_s = time.perf_counter() - t0
        print(
            f"recommendations x{scale}: {len(baskets)} orders, {len(products)} products: {model_s:.2f} s "
            f"(popularity {pop * 1000:.1f} ms, {model_s / max(pop, 1e-9):.0f}x) — ndcg {e.metrics['score']:.4f} "
            f"vs popularity {e.baseline['score']:.4f}"
        )
        rows = fraud_rows(scale)
        rules_s = timed(lambda r=rows: [fraud.rules(f) for f, _ in r])
        t0 = time.perf_counter()
        t = fraud.train(rows, hold_at=0.6, decline_at=0.9)
        model_s = time.perf_counter() - t0
        print(
            f"fraud x{scale}: {len(rows)} labelled checkouts: {model_s:.2f} s (rules {rules_s * 1000:.1f} ms, "
            f"{model_s / max(rules_s, 1e-9):.0f}x) — average precision {t.metrics.get('average_precision', 0):.4f} "
            f"vs rules {t.baseline.get('average_precision', 0):.4f}"
        )


async def serving(calls: int) -> None:
    from sqlalchemy import text

    from ecovarejo.bootstrap import build_container
    from ecovarejo.core import migrate
    from ecovarejo.core.db import new_id
    from ecovarejo.core.models import Tenant
    from ecovarejo.core.settings import Settings
    from ecovarejo.ml import public as ml
    from ecovarejo.ml.screen import ScoredModel
    from ecovarejo.orders.fraud import CheckoutFacts
    from ecovarejo.products import service as products_service
    from ecovarejo.products.schemas import ProductCreate

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), log_level="WARNING", secret_key="bench")
        migrate.upgrade(settings)
        container = build_container(settings, run_relay=False, run_consumers=False)
        try:
            async with container.db.system_session() as s:
                tenant = Tenant(slug="bench", name="Bench", settings={})
                s.add(tenant)
                await s.commit()
                tid = tenant.id
            catalog, baskets = history(1)
            ids: dict[uuid.UUID, uuid.UUID] = {}
            async with container.uow(tid, actor="bench") as uow:
                for i, info in enumerate(catalog):
                    out = await products_service.create_product(
                        uow, ProductCreate(sku=f"B-{i}", name=info.name, price=Decimal("10.00") + i), rescore=False
                    )
                    ids[info.id] = out.id
                await uow.commit()
            real = [
                ProductInfo(ids[x.id], x.name, x.category, x.sustainability_score, x.carbon_footprint) for x in catalog
            ]
            real_baskets = [Basket(b.user_id, b.at, tuple(ids[p] for p in b.product_ids)) for b in baskets]
            model = recommend.fit(real_baskets, real)
            model.skus = {ids[x.id]: f"B-{i}" for i, x in enumerate(catalog)}
            ports = ml.ports_of(container)
            ports.store.promoted(tid, "recommendations", 1, model)
            trained = fraud.train(fraud_rows(1), hold_at=0.6, decline_at=0.9)
            assert trained.model is not None
            ports.store.promoted(tid, "fraud", 1, ScoredModel(trained.model, 1))
            pid = real[0].id

            async def bare() -> None:
                async with container.uow(tid, read_only=True) as uow:
                    await uow.session.execute(text("SELECT 1"))

            async def lookup() -> None:
                m = await ports.store.get(tid, "recommendations")
                m.bought_together_ids(pid, 8)

            async def together() -> None:
                async with container.uow(tid, read_only=True) as uow:
                    await ml.bought_together(container, uow, pid, 4)

            buyer = real_baskets[0].user_id

            async def for_you() -> None:
                async with container.uow(tid, read_only=True) as uow:
                    await ml.for_you(container, uow, buyer, 4)

            facts = CheckoutFacts(
                user_id=new_id(), email="a@gmail.com", total=Decimal("250.00"), lines=2, max_quantity=1,
                shipping_state="SP", billing_state="SP", payment_method="card", payment_source="4242424242424242",
                at=datetime.now(UTC), client_ip="203.0.113.9",
            )  # fmt: skip

            async def screen() -> None:
                async with container.uow(tid, read_only=True) as uow:
                    await ports.screen.assess(uow, facts)

            base = await latencies(bare, calls)
            rows = [
                ("model lookup (cached)", await latencies(lookup, calls)),
                ("bought together (model + catalog prices)", await latencies(together, calls)),
                ("para você (consent ledger + model + catalog prices)", await latencies(for_you, calls)),
                ("fraud screen (velocity query + model)", await latencies(screen, calls)),
            ]
            b99 = p(base, 0.99)
            print(f"== serving on SQLite, {calls} calls each (ms); baseline: bare unit of work SELECT 1")
            print(f"baseline: p50 {statistics.median(base):.3f}  p99 {b99:.3f}")
            for name, values in rows:
                v99 = p(values, 0.99)
                print(
                    f"{name}: p50 {statistics.median(values):.3f}  p99 {v99:.3f}  "
                    f"(p99 {v99 / b99:.2f}x the baseline; added over it {max(0.0, v99 - b99):.3f} ms)"
                )
        finally:
            await container.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", default="1,10", help="history sizes to train on (1 = demo-sized)")
    ap.add_argument("--calls", type=int, default=2000)
    args = ap.parse_args()
    if args.scale:  # --scale "" measures serving only
        training([int(s) for s in args.scale.split(",")])
    asyncio.run(serving(args.calls))


if __name__ == "__main__":
    main()
