"""Fraud scoring: explainable rules, plus a gradient-boosting model trained on the tenant's labelled
assessments (staff review decisions, chargebacks). The rules are the baseline: the model is promoted
only when its average precision on a later, held-out period beats the rules' on the same period.

Scoring one checkout is one SQL round trip (velocity counters) and a few microseconds of arithmetic:
the trees are evaluated from flat arrays, not through scikit-learn's per-call validation.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ecovarejo.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")


ALGORITHM = "fraud-gbm-1"
SAO_PAULO = ZoneInfo("America/Sao_Paulo")

#: Domains of throwaway mailboxes (a short list of the common ones; the rule only adds weight).
DISPOSABLE = frozenset(
    {
        "mailinator.com", "guerrillamail.com", "10minutemail.com", "tempmail.com", "temp-mail.org",
        "yopmail.com", "trashmail.com", "sharklasers.com", "getnada.com", "dispostable.com",
        "maildrop.cc", "throwawaymail.com", "fakeinbox.com", "emailondeck.com", "mohmal.com",
    }
)  # fmt: skip

FEATURES = (
    "total",
    "first_order",
    "user_24h",
    "card_24h",
    "ip_24h",
    "card_accounts_30d",
    "ip_accounts_30d",
    "states_differ",
    "disposable_email",
    "max_quantity",
    "lines",
    "night",
    "card",
)


@dataclass(frozen=True)
class Features:
    values: dict[str, float]

    def vector(self) -> list[float]:
        return [float(self.values.get(f, 0.0)) for f in FEATURES]


def salted(value: str | None, salt: str) -> str | None:
    """A stable pseudonym: same card or IP, same hash per tenant; the value itself is never stored."""
    if not value:
        return None
    digits = "".join(c for c in value if c.isalnum())
    return hashlib.sha256(f"{salt}\x1f{digits}".encode()).hexdigest()[:32]


def features(
    *,
    total: float,
    past_orders: int,
    user_24h: int,
    card_24h: int,
    ip_24h: int,
    card_accounts_30d: int,
    ip_accounts_30d: int,
    shipping_state: str,
    billing_state: str | None,
    email: str | None,
    max_quantity: int,
    lines: int,
    at: datetime,
    card: bool,
) -> Features:
    domain = (email or "").rpartition("@")[2].lower()
    hour = at.astimezone(SAO_PAULO).hour
    return Features(
        {
            "total": round(total, 2),
            "first_order": 1.0 if past_orders == 0 else 0.0,
            "user_24h": float(user_24h),
            "card_24h": float(card_24h),
            "ip_24h": float(ip_24h),
            "card_accounts_30d": float(card_accounts_30d),
            "ip_accounts_30d": float(ip_accounts_30d),
            "states_differ": 1.0 if billing_state and billing_state.upper() != shipping_state.upper() else 0.0,
            "disposable_email": 1.0 if domain in DISPOSABLE else 0.0,
            "max_quantity": float(max_quantity),
            "lines": float(lines),
            "night": 1.0 if hour < 6 else 0.0,
            "card": 1.0 if card else 0.0,
        }
    )


#: (feature test, weight, reason code): the rules baseline and the reasons shown to staff.
RULES: tuple[tuple[str, float, str], ...] = (
    ("card_accounts_30d>=2", 2.0, "card_shared_by_accounts"),
    ("ip_accounts_30d>=3", 1.2, "ip_shared_by_accounts"),
    ("card_24h>=4", 1.5, "card_velocity"),
    ("user_24h>=4", 1.0, "account_velocity"),
    ("ip_24h>=6", 0.8, "ip_velocity"),
    ("disposable_email>=1", 1.2, "disposable_email"),
    ("states_differ>=1", 0.6, "billing_shipping_states_differ"),
    ("first_order_high_value>=1", 1.2, "high_first_order"),
    ("max_quantity>=8", 0.7, "bulk_quantity"),
    ("night>=1", 0.3, "night_time"),
)


def _fires(rule: str, v: dict[str, float]) -> bool:
    name, _, threshold = rule.partition(">=")
    if name == "first_order_high_value":
        return v.get("first_order", 0) >= 1 and v.get("total", 0) >= 1000
    return v.get(name, 0.0) >= float(threshold)


def rules(f: Features) -> tuple[float, tuple[str, ...]]:
    """The rules' score in 0-1 (a logistic of the fired weights) and the reasons that fired."""
    weight, reasons = 0.0, []
    for rule, w, code in RULES:
        if _fires(rule, f.values):
            weight += w
            reasons.append(code)
    return 1.0 / (1.0 + math.exp(-(weight - 2.0) * 1.6)), tuple(reasons)


# --------------------------------------------------------------------------- the trained model


@dataclass
class FlatTrees:
    """A fitted binary gradient-boosting classifier as flat arrays, evaluated in pure Python."""

    init: float
    learning_rate: float
    feature: list[list[int]]
    threshold: list[list[float]]
    left: list[list[int]]
    right: list[list[int]]
    value: list[list[float]]

    def probability(self, x: Sequence[float]) -> float:
        raw = self.init
        for feat, thr, lft, rgt, val in zip(
            self.feature, self.threshold, self.left, self.right, self.value, strict=True
        ):
            node = 0
            while lft[node] != -1:
                node = lft[node] if x[feat[node]] <= thr[node] else rgt[node]
            raw += self.learning_rate * val[node]
        return 1.0 / (1.0 + math.exp(-raw))


def flatten(clf: object) -> FlatTrees:
    """From scikit-learn's ``GradientBoostingClassifier`` (binary, log-loss)."""
    from sklearn.ensemble import GradientBoostingClassifier

    assert isinstance(clf, GradientBoostingClassifier)
    prior = clf.init_.class_prior_[1]
    init = math.log(prior / (1 - prior))
    f, t, lft, rgt, val = [], [], [], [], []
    for est in clf.estimators_[:, 0]:
        tree = est.tree_
        f.append([int(x) for x in tree.feature])
        t.append([float(x) for x in tree.threshold])
        lft.append([int(x) for x in tree.children_left])
        rgt.append([int(x) for x in tree.children_right])
        val.append([float(x) for x in tree.value[:, 0, 0]])
    return FlatTrees(init, float(clf.learning_rate), f, t, lft, rgt, val)


@dataclass
class FraudModel:
    trees: FlatTrees

    def score(self, f: Features) -> float:
        rule_score, _ = rules(f)
        return self.trees.probability([*f.vector(), rule_score])


def average_precision(y: Sequence[int], scores: Sequence[float]) -> float:
    from sklearn.metrics import average_precision_score

    if sum(y) == 0 or sum(y) == len(y):
        return 0.0
    return float(average_precision_score(y, scores))


def precision_recall_at(y: Sequence[int], scores: Sequence[float], threshold: float) -> tuple[float, float]:
    flagged = [yy for yy, s in zip(y, scores, strict=True) if s >= threshold]
    positives = sum(y)
    precision = sum(flagged) / len(flagged) if flagged else 0.0
    recall = sum(flagged) / positives if positives else 0.0
    return round(precision, 4), round(recall, 4)


@dataclass(frozen=True)
class FraudTraining:
    model: FraudModel | None
    metrics: dict[str, float]
    baseline: dict[str, float]
    samples: int


def train(
    rows: Sequence[tuple[Features, int]], *, hold_at: float, decline_at: float, test_fraction: float = 0.3
) -> FraudTraining:
    """``rows`` in time order. Fit on the earlier part, compare with the rules on the later part (average
    precision, precision/recall at the tenant's thresholds), then refit on everything for serving."""
    from sklearn.ensemble import GradientBoostingClassifier

    if len(rows) < 40 or len({y for _, y in rows}) < 2:
        return FraudTraining(None, {}, {}, len(rows))
    x = np.array([[*f.vector(), rules(f)[0]] for f, _ in rows])
    y = np.array([label for _, label in rows])
    cut = int(len(rows) * (1 - test_fraction))
    if len(set(y[:cut].tolist())) < 2 or len(set(y[cut:].tolist())) < 2:
        return FraudTraining(None, {}, {}, len(rows))

    def fit(xs: np.ndarray, ys: np.ndarray) -> FraudModel:
        clf = GradientBoostingClassifier(
            n_estimators=60, max_depth=3, learning_rate=0.15, subsample=0.9, random_state=7
        )
        clf.fit(xs, ys)
        return FraudModel(flatten(clf))

    held = fit(x[:cut], y[:cut])
    y_test = [int(v) for v in y[cut:]]
    model_scores = [held.trees.probability(list(row)) for row in x[cut:]]
    rule_scores = [float(row[-1]) for row in x[cut:]]
    metrics: dict[str, float] = {"average_precision": round(average_precision(y_test, model_scores), 4)}
    baseline: dict[str, float] = {"average_precision": round(average_precision(y_test, rule_scores), 4)}
    for name, scores, out in (("model", model_scores, metrics), ("rules", rule_scores, baseline)):
        del name
        for label, thr in (("hold", hold_at), ("decline", decline_at)):
            p, r = precision_recall_at(y_test, scores, thr)
            out[f"precision@{label}"], out[f"recall@{label}"] = p, r
    metrics["test_samples"] = baseline["test_samples"] = float(len(y_test))
    metrics["test_frauds"] = baseline["test_frauds"] = float(sum(y_test))
    return FraudTraining(fit(x, y), metrics, baseline, len(rows))
