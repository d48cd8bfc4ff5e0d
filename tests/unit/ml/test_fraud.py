"""Fraud model on a generated history with a planted ring: it beats the rules on a later period, and
the flattened trees score exactly as scikit-learn does."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np

from ecovarejo.ml import fraud


def history(n: int = 1500, seed: int = 11) -> list[tuple[fraud.Features, int]]:
    """Legitimate orders, noisy rule hits, and a ring: new accounts sharing a few cards, medium
    totals, ordering late at night in bursts — only some of it visible to the rules."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, 12, tzinfo=UTC)
    rows = []
    for i in range(n):
        at = start + timedelta(hours=i * 5)
        ring = rng.random() < 0.08
        if ring:
            f = fraud.features(
                total=rng.uniform(300, 900), past_orders=0, user_24h=rng.randint(1, 3), card_24h=rng.randint(1, 3),
                ip_24h=0, card_accounts_30d=rng.randint(1, 4), ip_accounts_30d=0, shipping_state="SP",
                billing_state=rng.choice(["SP", "RJ"]), email="x@gmail.com", max_quantity=rng.randint(2, 5),
                lines=1, at=at.replace(hour=rng.choice([3, 4, 5, 7])), card=True,
            )  # fmt: skip
        else:
            f = fraud.features(
                total=rng.uniform(30, 1500), past_orders=rng.choice([0, 1, 3, 8]), user_24h=rng.choice([0, 0, 1]),
                card_24h=rng.choice([0, 0, 1]), ip_24h=0, card_accounts_30d=rng.choice([0, 0, 0, 0, 1, 2]),
                ip_accounts_30d=0, shipping_state="SP", billing_state=rng.choice(["SP", "SP", "SP", "MG"]),
                email=rng.choice(["a@gmail.com", "b@mailinator.com", "c@uol.com.br"]),
                max_quantity=rng.randint(1, 9), lines=rng.randint(1, 4), at=at, card=True,
            )  # fmt: skip
        rows.append((f, 1 if ring else 0))
    return rows


def test_model_beats_rules_on_the_ring_and_reports_precision_recall() -> None:
    out = fraud.train(history(), hold_at=0.6, decline_at=0.9)
    assert out.model is not None
    assert out.metrics["average_precision"] > out.baseline["average_precision"]
    for key in ("precision@hold", "recall@hold", "precision@decline", "recall@decline"):
        assert 0 <= out.metrics[key] <= 1 and key in out.baseline
    assert out.metrics["test_frauds"] > 0


def test_flat_trees_match_scikit_learn() -> None:
    from sklearn.ensemble import GradientBoostingClassifier

    rows = history(400)
    x = np.array([[*f.vector(), fraud.rules(f)[0]] for f, _ in rows])
    y = np.array([label for _, label in rows])
    clf = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=1).fit(x, y)
    flat = fraud.flatten(clf)
    expected = clf.predict_proba(x[:50])[:, 1]
    got = [flat.probability(list(r)) for r in x[:50]]
    assert np.allclose(expected, got, atol=1e-9)


def test_too_little_data_trains_nothing() -> None:
    assert fraud.train(history(30), hold_at=0.6, decline_at=0.9).model is None


def test_rules_explain_themselves() -> None:
    f = fraud.features(
        total=1500, past_orders=0, user_24h=0, card_24h=0, ip_24h=0, card_accounts_30d=3, ip_accounts_30d=0,
        shipping_state="SP", billing_state="RJ", email="a@mailinator.com", max_quantity=1, lines=1,
        at=datetime(2026, 3, 1, 15, tzinfo=UTC), card=True,
    )  # fmt: skip
    score, reasons = fraud.rules(f)
    assert score > 0.9
    assert set(reasons) == {
        "card_shared_by_accounts", "disposable_email", "billing_shipping_states_differ", "high_first_order",
    }  # fmt: skip
    calm = fraud.features(
        total=80, past_orders=4, user_24h=0, card_24h=0, ip_24h=0, card_accounts_30d=0, ip_accounts_30d=0,
        shipping_state="SP", billing_state=None, email="a@gmail.com", max_quantity=1, lines=1,
        at=datetime(2026, 3, 1, 15, tzinfo=UTC), card=True,
    )  # fmt: skip
    assert fraud.rules(calm) == (fraud.rules(calm)[0], ()) and fraud.rules(calm)[0] < 0.1
