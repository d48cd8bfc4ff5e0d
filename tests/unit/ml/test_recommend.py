"""Recommendations on generated histories: planted co-purchases and tastes are found and beat
popularity on a time split; a history with nothing to learn does not beat it."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from ecovarejo.ml import recommend
from ecovarejo.ml.recommend import Basket, ProductInfo
from ecovarejo.ml.training import beats, fit_recommendations

CATS = ("Higiene", "Cozinha", "Moda")


def catalog(per_cat: int = 10) -> list[ProductInfo]:
    out = []
    for c in CATS:
        for i in range(per_cat):
            score, co2 = 5.0 + (i % 5), 10.0 - i % 5
            out.append(ProductInfo(uuid.uuid4(), f"{c} produto {i}", c, score, co2))
    return out


def planted(products: list[ProductInfo], users: int = 120, seed: int = 3) -> list[Basket]:
    """Each customer sticks to one category and buys its planted pairs (i, i+1) together."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    by_cat = {c: [p for p in products if p.category == c] for c in CATS}
    out = []
    for _ in range(users):
        uid = uuid.uuid4()
        mine = by_cat[rng.choice(CATS)]
        for _k in range(5):
            i = rng.randrange(0, len(mine) - 1, 2)
            at = start + timedelta(days=rng.randrange(360), minutes=rng.randrange(1000))
            out.append(Basket(uid, at, (mine[i].id, mine[i + 1].id)))
    return out


def test_planted_patterns_beat_popularity_and_are_served() -> None:
    products = catalog()
    baskets = planted(products)
    out = fit_recommendations(baskets, products, {p.id: p.name for p in products})
    assert out.evaluable
    assert out.metrics["fbt_ndcg@10"] > out.baseline["fbt_ndcg@10"]
    assert out.metrics["ndcg@10"] > out.baseline["ndcg@10"]
    assert beats(out.metrics["score"], out.baseline["score"])
    model = out.model
    assert isinstance(model, recommend.RecModel)
    # the planted partner comes first
    assert model.bought_together_ids(products[0].id, 1) == [products[1].id]
    # similar products share the category; greener ones score higher or emit less
    sim = model.similar_ids(products[3].id, 5)
    assert sim and all(p.category == products[3].category for p in products if p.id in sim)
    green = model.greener_ids(products[0].id)  # score 5.0, 10 kg: many are better
    assert green
    by_id = {p.id: p for p in products}
    assert all(by_id[g].sustainability_score > 5.0 or by_id[g].carbon_footprint < 10.0 for g in green)
    assert model.greener_ids(products[4].id) == [] or all(
        by_id[g].sustainability_score >= products[4].sustainability_score for g in model.greener_ids(products[4].id)
    )
    # a known customer gets personal picks; an unknown one the popular products
    _, source = model.for_user_ids(baskets[0].user_id)
    assert source == "personal"
    ids, source = model.for_user_ids(uuid.uuid4())
    assert source == "popular" and ids == model.popular_ids()


def test_nothing_to_learn_is_not_better_than_popularity() -> None:
    """Single-item baskets and one purchase per customer before the cut: the model can only fall back to
    popularity, ties, and a tie is not promoted."""
    products = catalog()
    rng = random.Random(5)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    weights = [1.0 / (i + 1) for i in range(len(products))]
    baskets = [
        Basket(uuid.uuid4(), start + timedelta(hours=h), (rng.choices(products, weights)[0].id,)) for h in range(300)
    ]
    out = fit_recommendations(baskets, products, {})
    assert not beats(out.metrics["score"], out.baseline["score"])


def test_metrics() -> None:
    assert recommend.ndcg_at_k([1, 2, 3], {1}) == 1.0
    assert 0 < recommend.ndcg_at_k([2, 1], {1}) < 1
    assert recommend.hit_at_k([5, 6], {7}) == 0.0
    assert recommend.normalise("Escova de Bambu Ecológica") == "escova de bambu ecologica"
