"""Price suggestions (never applied automatically): each product's own price elasticity, estimated by
a log-log regression of weekly units on the weekly average price where the price has moved, and the
revenue-maximising price within a band around today's price (the shop's guard rails: at most 15 %
down, 15 % up, never under the floor). The baseline is "price does not matter" (demand = the average):
the model must predict held-out weeks' units better (MAE) to be promoted.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from ecovarejo.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")


ALGORITHM = "pricing-loglog-1"
BAND = 0.15
MIN_WEEKS = 8


@dataclass(frozen=True)
class PricedSale:
    product_id: uuid.UUID
    sku: str
    day: date
    quantity: int
    unit_price: Decimal


@dataclass
class Elasticity:
    elasticity: float
    intercept: float
    r2: float
    weeks: int


@dataclass
class PricingModel:
    products: dict[uuid.UUID, Elasticity]
    skus: dict[uuid.UUID, str]


def _weekly(sales: Sequence[PricedSale]) -> dict[str, list[tuple[float, float]]]:
    """(average price, units) per SKU (a variant may cost more than its product) and ISO week with sales."""
    acc: dict[tuple[str, tuple[int, int]], list[float]] = {}
    for s in sales:
        key = (s.sku, tuple(s.day.isocalendar())[:2])
        a = acc.setdefault(key, [0.0, 0.0])  # type: ignore[arg-type]
        a[0] += float(s.unit_price) * s.quantity
        a[1] += s.quantity
    out: dict[str, list[tuple[float, float]]] = {}
    for (sku, _), (revenue, units) in sorted(acc.items(), key=lambda kv: kv[0][1]):
        if units > 0:
            out.setdefault(sku, []).append((revenue / units, units))
    return out


def fit_one(points: Sequence[tuple[float, float]]) -> Elasticity | None:
    prices = np.array([p for p, _ in points])
    if len(points) < MIN_WEEKS or prices.max() / max(prices.min(), 1e-9) < 1.03:
        return None  # the price never moved: nothing to learn its effect from
    x, y = np.log(prices), np.log(np.array([u for _, u in points]))
    slope = float(max(-6.0, min(0.0, np.polyfit(x, y, 1)[0])))  # demand does not rise with the price
    intercept = float(np.mean(y - slope * x))
    pred = intercept + slope * x
    ss = float(np.sum((y - y.mean()) ** 2))
    r2 = 1 - float(np.sum((y - pred) ** 2)) / ss if ss > 0 else 0.0
    return Elasticity(slope, intercept, round(max(0.0, r2), 4), len(points))


@dataclass(frozen=True)
class PricingTraining:
    model: PricingModel | None
    metrics: dict[str, float]
    baseline: dict[str, float]
    samples: int


def train(sales: Sequence[PricedSale], test_fraction: float = 0.25) -> PricingTraining:
    weekly = _weekly(sales)
    err, base_err, n = 0.0, 0.0, 0
    for points in weekly.values():
        cut = int(len(points) * (1 - test_fraction))
        e = fit_one(points[:cut])
        if e is None:
            continue
        mean_units = float(np.mean([u for _, u in points[:cut]]))
        for price, units in points[cut:]:
            err += abs(math.exp(e.intercept + e.elasticity * math.log(price)) - units)
            base_err += abs(mean_units - units)
            n += 1
    product_of = {s.sku: s.product_id for s in sales}
    by_sku = {sku: e for sku, pts in weekly.items() if (e := fit_one(pts)) is not None}
    fitted = {product_of[sku]: e for sku, e in by_sku.items()}
    metrics = {"mae_units": round(err / n, 4) if n else 0.0, "test_weeks": float(n), "products": float(len(fitted))}
    baseline = {"mae_units": round(base_err / n, 4) if n else 0.0, "test_weeks": float(n)}
    skus = {product_of[sku]: sku for sku in by_sku}
    return PricingTraining(PricingModel(fitted, skus) if fitted and n else None, metrics, baseline, len(sales))


@dataclass(frozen=True)
class PriceSuggestion:
    product_id: uuid.UUID
    current: Decimal
    suggested: Decimal
    elasticity: float
    expected_revenue_change_pct: float
    confidence: float
    sku: str = ""
    name: str = ""
    #: The unit cost the floor came from, the floor itself, and the expected change of the gross margin
    #: ((p - cost) × units) — None when the shop has not recorded the product's cost.
    cost: Decimal | None = None
    floor: Decimal | None = None
    expected_margin_change_pct: float | None = None


#: The smallest margin over the unit cost a suggestion may leave (the shop's guard rail).
MIN_MARGIN = Decimal("0.10")


def margin_floor(cost: Decimal | None) -> Decimal | None:
    return (cost * (1 + MIN_MARGIN)).quantize(Decimal("0.01"), ROUND_HALF_UP) if cost is not None and cost > 0 else None


def suggest(
    e: Elasticity, product_id: uuid.UUID, current: Decimal, floor: Decimal | None = None, cost: Decimal | None = None
) -> PriceSuggestion:
    """Revenue R(p) ∝ p^(1+e): inelastic demand (e > -1) → the band's top; elastic → its bottom (never
    under ``floor``, by default the cost plus :data:`MIN_MARGIN`). Confidence: the fit's R² discounted
    for few weeks."""
    if floor is None:
        floor = margin_floor(cost)
    low = current * Decimal(str(1 - BAND))
    if floor is not None:
        low = max(low, floor)
    high = current * Decimal(str(1 + BAND))
    target = high if e.elasticity > -1 else low
    suggested = target.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if floor is not None and suggested < floor:
        suggested = floor
    if suggested <= 0 or abs(suggested - current) < Decimal("0.05"):
        suggested = current
    ratio = float(suggested / current)
    change = (ratio ** (1 + e.elasticity) - 1) * 100
    confidence = round(e.r2 * min(1.0, e.weeks / 26), 3)
    margin = None
    if cost is not None and current > cost:  # margin(p) = (p - cost) × units(p), units ∝ p^e
        margin = round((float(suggested - cost) * ratio**e.elasticity / float(current - cost) - 1) * 100, 2)
    return PriceSuggestion(product_id, current, suggested, round(e.elasticity, 3), round(change, 2), confidence,
                           cost=cost, floor=floor, expected_margin_change_pct=margin)  # fmt: skip
