"""Demand forecast: intermittent series are recognised and forecast by SBA/TSB, beating the seasonal
naive baseline (MASE) on a later held-out period; reorder points follow lead time and service level."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np

from ecovarejo.ml import forecast
from ecovarejo.ml.training import beats, fit_forecast


def sales(seed: int = 4, skus: int = 30, weeks: int = 60) -> list[forecast.Sale]:
    rng = random.Random(seed)
    start = date(2025, 10, 6)
    out = []
    for k in range(skus):
        rate = 0.2 + 0.6 * (k % 5) / 4  # orders per week: intermittent to smooth
        for w in range(weeks):
            for _ in range(7):
                if rng.random() < rate / 7:
                    out.append(forecast.Sale(f"SKU-{k}", start + timedelta(weeks=w, days=rng.randrange(7)),
                                             rng.randint(1, 4)))  # fmt: skip
    return out


def test_intermittent_demand_beats_seasonal_naive() -> None:
    out = fit_forecast(sales(), date(2026, 12, 1))
    assert out.evaluable and out.metric == "mase"
    assert out.metrics["mase"] < out.baseline["mase"]
    assert beats(out.metrics["mase"], out.baseline["mase"], "mase")  # lower is better for errors
    assert not beats(out.baseline["mase"], out.metrics["mase"], "mase")
    model = out.model
    assert isinstance(model, forecast.ForecastModel)
    assert {f.method for f in model.skus.values()} <= {"sba", "tsb", "ses"}
    assert "sba" in {f.method for f in model.skus.values()}


def test_classification_and_methods() -> None:
    assert forecast.classify(np.array([0, 0, 3, 0, 0, 2, 0, 0, 3])) == "intermittent"
    assert forecast.classify(np.array([5, 6, 5, 7, 6, 5])) == "smooth"
    assert forecast.classify(np.zeros(5)) == "none"
    y = np.array([0, 0, 4, 0, 0, 4, 0, 0, 4, 0, 0, 4], dtype=float)
    assert abs(forecast.sba(y) - 4 / 3) < 0.4  # about 4 units every 3 weeks
    dead = np.array([3, 0, 2, 3, 0, 2] + [0] * 10, dtype=float)
    level, method = forecast.point(dead)
    assert method == "tsb" and level < forecast.sba(dead)  # a SKU that stopped selling decays


def test_reorder_point_and_quantity() -> None:
    f = forecast.SkuForecast(weekly=14.0, method="ses", sigma=4.0)
    low = forecast.reorder(f, "A", 10, lead_time_days=7, service_level=0.95, review_days=14)
    # 14 over the lead time + 1.645 * 4 safety stock -> 21; order up to 21 + 28 - 10 = 39
    assert (low.reorder_point, low.order_quantity, low.due) == (21, 39, True)
    high = forecast.reorder(f, "A", 100, lead_time_days=7, service_level=0.95, review_days=14)
    assert (high.order_quantity, high.due) == (0, False)
    safer = forecast.reorder(f, "A", 10, lead_time_days=7, service_level=0.99, review_days=14)
    longer = forecast.reorder(f, "A", 10, lead_time_days=21, service_level=0.95, review_days=14)
    assert safer.reorder_point > low.reorder_point and longer.reorder_point > low.reorder_point
