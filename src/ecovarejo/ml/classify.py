"""Product classification from pt-BR text: the likely category, certifications and tags for a name
and description. TF-IDF on accent-folded words and character n-grams (robust to plurals and typos:
"bambu"/"bambus", "organico"/"orgânica"), logistic regression per target. Evaluated on a held-out
quarter of the tenant's catalog against the majority class (accuracy), the baseline it must beat.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ecovarejo.core.lazy import lazy_module

from .recommend import normalise

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")


ALGORITHM = "classify-tfidf-logreg-1"
STOPWORDS = frozenset(
    "a o as os de da do das dos e em um uma para com sem por no na nos nas ao aos que se mais muito".split()
)


@dataclass(frozen=True)
class Labelled:
    text: str
    category: str
    certifications: tuple[str, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    category: str | None
    confidence: float
    certifications: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass
class ClassifierModel:
    vectorizer: object
    category: object
    certifications: dict[str, object]

    def suggest(self, text: str, k_tags: int = 5) -> Suggestion:
        x = self.vectorizer.transform([normalise(text)])  # type: ignore[attr-defined]
        proba = self.category.predict_proba(x)[0]  # type: ignore[attr-defined]
        best = int(np.argmax(proba))
        certs = tuple(
            code
            for code, clf in self.certifications.items()
            if clf.predict_proba(x)[0][1] >= 0.5  # type: ignore[attr-defined]
        )
        words = [w for w in normalise(text).replace(",", " ").replace(".", " ").split() if len(w) > 3]
        tags = tuple(dict.fromkeys(w for w in words if w not in STOPWORDS))[:k_tags]
        return Suggestion(str(self.category.classes_[best]), round(float(proba[best]), 3), certs, tags)  # type: ignore[attr-defined]


def _vectorizer() -> object:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)),
        ]
    )


def _fit(rows: Sequence[Labelled]) -> ClassifierModel:
    from sklearn.linear_model import LogisticRegression

    vec = _vectorizer()
    x = vec.fit_transform([normalise(r.text) for r in rows])  # type: ignore[attr-defined]
    cat = LogisticRegression(max_iter=2000, C=10.0).fit(x, [r.category for r in rows])
    certs: dict[str, object] = {}
    counts = Counter(c for r in rows for c in r.certifications)
    for code, n in counts.items():
        if 5 <= n <= len(rows) - 5:
            y = [1 if code in r.certifications else 0 for r in rows]
            certs[code] = LogisticRegression(max_iter=2000, C=10.0, class_weight="balanced").fit(x, y)
    return ClassifierModel(vec, cat, certs)


@dataclass(frozen=True)
class ClassifierTraining:
    model: ClassifierModel | None
    metrics: dict[str, float]
    baseline: dict[str, float]
    samples: int


def train(rows: Sequence[Labelled], test_fraction: float = 0.25, seed: int = 13) -> ClassifierTraining:
    labelled = [r for r in rows if r.category]
    if len(labelled) < 20 or len({r.category for r in labelled}) < 2:
        return ClassifierTraining(None, {}, {}, len(labelled))
    order = list(range(len(labelled)))
    random.Random(seed).shuffle(order)
    cut = int(len(order) * (1 - test_fraction))
    train_rows = [labelled[i] for i in order[:cut]]
    test_rows = [labelled[i] for i in order[cut:]]
    if len({r.category for r in train_rows}) < 2:
        return ClassifierTraining(None, {}, {}, len(labelled))
    held = _fit(train_rows)
    hits = sum(1 for r in test_rows if held.suggest(r.text).category == r.category)
    majority = Counter(r.category for r in train_rows).most_common(1)[0][0]
    base_hits = sum(1 for r in test_rows if r.category == majority)
    n = len(test_rows)
    return ClassifierTraining(
        _fit(labelled),
        {"accuracy": round(hits / n, 4), "test_products": float(n)},
        {"accuracy": round(base_hits / n, 4), "test_products": float(n)},
        len(labelled),
    )
