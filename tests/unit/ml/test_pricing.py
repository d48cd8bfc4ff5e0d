"""Price suggestions: elasticities recovered from price changes; elastic demand suggests a lower price,
inelastic a higher one, within the band and above the floor; a price that never moved suggests nothing."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

from ecovarejo.ml import pricing
from ecovarejo.ml.training import beats


def sales(seed: int = 5) -> tuple[list[pricing.PricedSale], uuid.UUID, uuid.UUID, uuid.UUID]:
    rng = random.Random(seed)
    elastic, inelastic, flat = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    out = []
    start = date(2026, 1, 5)
    for w in range(40):
        for pid, base, e, scale in ((elastic, 20.0, -2.5, 400.0), (inelastic, 50.0, -0.4, 30.0), (flat, 10.0, 0, 5)):
            price = base * (1 + rng.choice([-0.1, 0.0, 0.1])) if pid != flat else base
            units = max(1, round(scale * (price / base) ** e * rng.uniform(0.85, 1.15)))
            out.append(pricing.PricedSale(pid, str(pid)[:8], start + timedelta(weeks=w), units,
                                          Decimal(str(round(price, 2)))))  # fmt: skip
    return out, elastic, inelastic, flat


def test_elasticities_and_suggestions() -> None:
    rows, elastic, inelastic, flat = sales()
    out = pricing.train(rows)
    assert out.model is not None
    assert beats(out.metrics["mae_units"], out.baseline["mae_units"], "mae_units")
    model = out.model
    assert flat not in model.products  # never moved: nothing to learn
    assert model.products[elastic].elasticity < -1.8 and -1 < model.products[inelastic].elasticity < 0
    down = pricing.suggest(model.products[elastic], elastic, Decimal("20.00"))
    assert Decimal("17.00") <= down.suggested < Decimal("20.00") and down.expected_revenue_change_pct > 0
    up = pricing.suggest(model.products[inelastic], inelastic, Decimal("50.00"))
    assert Decimal("50.00") < up.suggested <= Decimal("57.50") and up.expected_revenue_change_pct > 0
    assert 0 < up.confidence <= 1
    floored = pricing.suggest(model.products[elastic], elastic, Decimal("20.00"), floor=Decimal("19.50"))
    assert floored.suggested >= Decimal("19.50")


def test_the_cost_sets_the_margin_floor_and_the_expected_margin() -> None:
    rows, elastic, inelastic, _ = sales()
    model = pricing.train(rows).model
    assert model is not None
    # cost 18.00: the floor is 19.80 (cost + 10 %), above the band's bottom (17.00)
    s = pricing.suggest(model.products[elastic], elastic, Decimal("20.00"), cost=Decimal("18.00"))
    assert s.floor == Decimal("19.80") and s.suggested == Decimal("19.80") and s.cost == Decimal("18.00")
    e = model.products[elastic].elasticity
    expected = ((19.80 - 18.00) * (19.80 / 20.00) ** e / (20.00 - 18.00) - 1) * 100
    assert s.expected_margin_change_pct is not None and abs(s.expected_margin_change_pct - expected) < 0.01
    # inelastic: up the band; the margin grows more than the revenue (the cost does not move)
    up = pricing.suggest(model.products[inelastic], inelastic, Decimal("50.00"), cost=Decimal("30.00"))
    assert up.expected_margin_change_pct is not None
    assert up.expected_margin_change_pct > up.expected_revenue_change_pct > 0
    # no cost recorded: no floor, no margin figure
    plain = pricing.suggest(model.products[inelastic], inelastic, Decimal("50.00"))
    assert plain.floor is None and plain.expected_margin_change_pct is None
