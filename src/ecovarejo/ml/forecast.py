"""Weekly demand forecast per SKU for intermittent demand, and reorder suggestions from it.

Each SKU's weekly series is classified (Syntetos-Boylan: average demand interval and squared
coefficient of variation of the non-zero sizes). Smooth series get simple exponential smoothing;
intermittent and lumpy ones Croston with the Syntetos-Boylan bias correction (SBA), or TSB when the
SKU has stopped selling. Evaluation holds out the last ``horizon`` weeks and compares MASE with the
seasonal naive baseline (the same weeks a year before when there is a year of history, otherwise the
last ``horizon`` weeks repeated). Plain numpy: statsforecast would do the same with numba's weight.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import NormalDist
from typing import TYPE_CHECKING

from ecovarejo.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")


ALGORITHM = "forecast-sba-tsb-ses-1"
HORIZON = 8
ALPHA = 0.1


@dataclass(frozen=True)
class Sale:
    sku: str
    day: date
    quantity: int


def weekly(sales: Sequence[Sale], start: date, weeks: int) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for s in sales:
        w = (s.day - start).days // 7
        if 0 <= w < weeks:
            out.setdefault(s.sku, np.zeros(weeks))[w] += s.quantity
    return out


def classify(y: np.ndarray) -> str:
    nz = y[y > 0]
    if nz.size == 0:
        return "none"
    adi = y.size / nz.size
    cv2 = float((nz.std() / nz.mean()) ** 2) if nz.size > 1 else 0.0
    if adi < 1.32:
        return "smooth" if cv2 < 0.49 else "erratic"
    return "intermittent" if cv2 < 0.49 else "lumpy"


def ses(y: np.ndarray, alpha: float = ALPHA) -> float:
    level = float(y[0])
    for v in y[1:]:
        level = alpha * float(v) + (1 - alpha) * level
    return level


def sba(y: np.ndarray, alpha: float = ALPHA) -> float:
    """Croston's size / interval smoothing with the Syntetos-Boylan (1 - alpha/2) correction."""
    nz = np.flatnonzero(y > 0)
    if nz.size == 0:
        return 0.0
    size, interval, last = float(y[nz[0]]), float(nz[0] + 1), int(nz[0])
    for i in nz[1:]:
        size = alpha * float(y[i]) + (1 - alpha) * size
        interval = alpha * float(i - last) + (1 - alpha) * interval
        last = int(i)
    return (1 - alpha / 2) * size / max(interval, 1.0)


def tsb(y: np.ndarray, alpha: float = ALPHA, beta: float = 0.1) -> float:
    """Teunter-Syntetos-Babai: the probability of a sale decays every empty week (obsolescence)."""
    nz = np.flatnonzero(y > 0)
    if nz.size == 0:
        return 0.0
    prob, size = 1.0 / max(1, nz[0] + 1), float(y[nz[0]])
    for v in y[nz[0] + 1 :]:
        prob = beta * (1.0 if v > 0 else 0.0) + (1 - beta) * prob
        if v > 0:
            size = alpha * float(v) + (1 - alpha) * size
    return float(prob * size)


def point(y: np.ndarray) -> tuple[float, str]:
    kind = classify(y)
    if kind == "none":
        return 0.0, "none"
    if kind in ("smooth", "erratic"):
        return ses(y), "ses"
    recent_empty = y.size >= 8 and not np.any(y[-8:] > 0)
    return (tsb(y), "tsb") if recent_empty else (sba(y), "sba")


def seasonal_naive(y: np.ndarray, horizon: int) -> np.ndarray:
    season = 52 if y.size >= 52 else horizon
    if y.size < season:
        return np.full(horizon, float(y[-1]) if y.size else 0.0)
    return np.array([y[y.size - season + (h % season)] for h in range(horizon)], dtype=float)


def mase(actual: np.ndarray, forecast: np.ndarray, history: np.ndarray) -> float | None:
    """Mean absolute error scaled by the history's one-step naive MAE; None when that is zero."""
    if history.size < 2:
        return None
    scale = float(np.mean(np.abs(np.diff(history))))
    if scale == 0:
        return None
    return float(np.mean(np.abs(actual - forecast))) / scale


@dataclass
class SkuForecast:
    weekly: float
    method: str
    #: Standard deviation of the one-week-ahead errors in the history (the safety stock's input).
    sigma: float


@dataclass
class ForecastModel:
    skus: dict[str, SkuForecast]
    weeks: int
    horizon: int = HORIZON
    as_of: date = field(default_factory=date.today)


def fit(series: dict[str, np.ndarray], as_of: date) -> ForecastModel:
    out: dict[str, SkuForecast] = {}
    for sku, y in series.items():
        level, method = point(y)
        errors = [float(y[i]) - point(y[:i])[0] for i in range(max(4, y.size - 26), y.size)]
        sigma = float(np.std(errors)) if errors else level
        out[sku] = SkuForecast(round(level, 4), method, round(sigma, 4))
    return ForecastModel(out, next(iter(series.values())).size if series else 0, as_of=as_of)


@dataclass(frozen=True)
class ForecastEvaluation:
    metrics: dict[str, float]
    baseline: dict[str, float]
    series: int


def evaluate(series: dict[str, np.ndarray], horizon: int = HORIZON) -> ForecastEvaluation:
    """Hold out the last ``horizon`` weeks of each SKU with sales; mean MASE of the model and of the
    seasonal naive baseline over the SKUs both can be scaled on (lower is better)."""
    mine, base = [], []
    for y in series.values():
        if y.size <= horizon + 4:
            continue
        history, actual = y[:-horizon], y[-horizon:]
        if not np.any(history > 0):
            continue
        level, _ = point(history)
        m = mase(actual, np.full(horizon, level), history)
        b = mase(actual, seasonal_naive(history, horizon), history)
        if m is not None and b is not None:
            mine.append(m)
            base.append(b)
    n = len(mine)
    return ForecastEvaluation(
        {"mase": round(float(np.mean(mine)), 4) if n else 0.0, "skus": float(n)},
        {"mase": round(float(np.mean(base)), 4) if n else 0.0, "skus": float(n)},
        n,
    )


@dataclass(frozen=True)
class Reorder:
    sku: str
    weekly_forecast: float
    method: str
    available: int
    reorder_point: int
    order_quantity: int
    due: bool


def reorder(
    f: SkuForecast, sku: str, available: int, *, lead_time_days: int, service_level: float, review_days: int
) -> Reorder:
    """Reorder point = demand over the lead time + z * sigma * sqrt(lead time in weeks); the order
    brings the stock up to that point plus the demand until the next review."""
    z = NormalDist().inv_cdf(min(max(service_level, 0.5), 0.999))
    lead_weeks = lead_time_days / 7
    rop = f.weekly * lead_weeks + z * f.sigma * math.sqrt(lead_weeks)
    target = rop + f.weekly * review_days / 7
    point_ = math.ceil(rop)
    qty = max(0, math.ceil(target - available)) if available <= point_ else 0
    return Reorder(sku, f.weekly, f.method, available, point_, qty, available <= point_ and qty > 0)


def window(today: date, weeks: int) -> date:
    """The Monday ``weeks`` whole weeks before the current week."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=weeks)
