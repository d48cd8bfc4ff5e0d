"""Recommendations, trained per tenant: item-item collaborative filtering over baskets and customers,
content similarity (TF-IDF over pt-BR names, category and certifications), popularity for cold start,
and the "greener alternative". Pure functions over plain data: no IO here.

Evaluation is a time split: the model is fitted on orders before the cut and asked to predict what
each customer (and each held-out basket) bought after it, against the popularity baseline on exactly
the same queries; hit-rate@10 and NDCG@10. The served artifact is then refitted on all the data.
"""

from __future__ import annotations

import math
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ecovarejo.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse
else:
    np = lazy_module("numpy")
    sparse = lazy_module("scipy.sparse")


ALGORITHM = "recs-itemknn-tfidf-1"
K = 10
NEIGHBOURS = 20


@dataclass(frozen=True)
class Basket:
    user_id: uuid.UUID
    at: datetime
    product_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class ProductInfo:
    id: uuid.UUID
    name: str
    category: str
    sustainability_score: float
    carbon_footprint: float | None
    certifications: tuple[str, ...] = ()
    in_stock: bool = True


@dataclass
class RecModel:
    """What serving needs, precomputed: every answer is a dictionary lookup."""

    product_ids: list[uuid.UUID]
    popular: list[int]
    bought_together: dict[int, list[int]]
    similar: dict[int, list[int]]
    greener: dict[int, list[int]]
    for_user: dict[uuid.UUID, list[int]]
    skus: dict[uuid.UUID, str] = field(default_factory=dict)
    index: dict[uuid.UUID, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index = {p: i for i, p in enumerate(self.product_ids)}

    def _ids(self, rows: Iterable[int], exclude: set[int], k: int) -> list[uuid.UUID]:
        out: list[uuid.UUID] = []
        for r in rows:
            if r in exclude:
                continue
            out.append(self.product_ids[r])
            exclude.add(r)
            if len(out) >= k:
                break
        return out

    def popular_ids(self, k: int = K, exclude: Iterable[uuid.UUID] = ()) -> list[uuid.UUID]:
        return self._ids(self.popular, {self.index[p] for p in exclude if p in self.index}, k)

    def bought_together_ids(self, product_id: uuid.UUID, k: int = K) -> list[uuid.UUID]:
        i = self.index.get(product_id)
        return [] if i is None else self._ids(self.bought_together.get(i, []), {i}, k)

    def similar_ids(self, product_id: uuid.UUID, k: int = K) -> list[uuid.UUID]:
        i = self.index.get(product_id)
        return [] if i is None else self._ids(self.similar.get(i, []), {i}, k)

    def greener_ids(self, product_id: uuid.UUID, k: int = 3) -> list[uuid.UUID]:
        i = self.index.get(product_id)
        return [] if i is None else self._ids(self.greener.get(i, []), {i}, k)

    def for_user_ids(self, user_id: uuid.UUID, k: int = K) -> tuple[list[uuid.UUID], str]:
        rows = self.for_user.get(user_id)
        if not rows:
            return self.popular_ids(k), "popular"
        got = self._ids(rows, set(), k)
        if len(got) < k:
            got += self.popular_ids(k - len(got), exclude=got)
        return got, "personal"


# --------------------------------------------------------------------------- metrics


def ndcg_at_k(ranked: Sequence[int], relevant: set[int], k: int = K) -> float:
    dcg = sum(1.0 / math.log2(pos + 2) for pos, r in enumerate(ranked[:k]) if r in relevant)
    ideal = sum(1.0 / math.log2(pos + 2) for pos in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def hit_at_k(ranked: Sequence[int], relevant: set[int], k: int = K) -> float:
    return 1.0 if any(r in relevant for r in ranked[:k]) else 0.0


# --------------------------------------------------------------------------- fitting


def normalise(text: str) -> str:
    """pt-BR text folded for matching: lower case, no accents."""
    folded = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in folded if not unicodedata.combining(c))


def _top(matrix: sparse.csr_matrix | np.ndarray, row: int, n: int) -> list[int]:
    values = matrix[row].toarray().ravel() if sparse.issparse(matrix) else np.asarray(matrix[row]).ravel()
    values = values.copy()
    values[row] = 0.0
    nz = np.flatnonzero(values > 0)
    if nz.size == 0:
        return []
    take = nz[np.argsort(-values[nz], kind="stable")[:n]]
    return [int(x) for x in take]


def _cooccurrence(rows: sparse.csr_matrix) -> sparse.csr_matrix:
    """Cosine between item columns of a 0/1 matrix (baskets x items or users x items)."""
    counts = np.asarray(rows.sum(axis=0)).ravel()
    co = (rows.T @ rows).tocsr().astype(np.float64)
    co.setdiag(0)
    co.eliminate_zeros()
    norm = np.sqrt(np.maximum(counts, 1.0))
    inv = sparse.diags(1.0 / norm)
    return (inv @ co @ inv).tocsr()


def _binary(pairs: list[tuple[int, int]], shape: tuple[int, int]) -> sparse.csr_matrix:
    if not pairs:
        return sparse.csr_matrix(shape, dtype=np.float64)
    r, c = zip(*pairs, strict=True)
    m = sparse.csr_matrix((np.ones(len(pairs)), (np.array(r), np.array(c))), shape=shape)
    m.data[:] = 1.0
    return m


def _content(products: Sequence[ProductInfo]) -> np.ndarray | sparse.csr_matrix:
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [
        " ".join([normalise(p.name), f"cat_{normalise(p.category).replace(' ', '_')}", *p.certifications])
        for p in products
    ]
    if not any(d.strip() for d in docs):
        return sparse.csr_matrix((len(products), len(products)))
    tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True).fit_transform(docs)
    sim = (tfidf @ tfidf.T).tocsr()
    return sim


def _greener(products: Sequence[ProductInfo], similar: dict[int, list[int]]) -> dict[int, list[int]]:
    """Among a product's similar ones (same category first), those clearly better for the planet:
    a higher sustainability score, or a lower footprint at no worse score, ranked by the gain."""
    out: dict[int, list[int]] = {}
    for i, p in enumerate(products):
        cands = []
        for rank, j in enumerate(similar.get(i, [])):
            q = products[j]
            if not q.in_stock:
                continue
            score_gain = q.sustainability_score - p.sustainability_score
            co2_gain = 0.0
            if p.carbon_footprint and q.carbon_footprint is not None and p.carbon_footprint > 0:
                co2_gain = (p.carbon_footprint - q.carbon_footprint) / p.carbon_footprint
            if score_gain >= 0.5 or (score_gain >= 0 and co2_gain >= 0.15):
                same = 1 if q.category == p.category else 0
                cands.append((-same, -(score_gain / 10 + co2_gain), rank, j))
        out[i] = [j for *_, j in sorted(cands)]
    return out


def fit(baskets: Sequence[Basket], products: Sequence[ProductInfo]) -> RecModel:
    ids = [p.id for p in products]
    index = {p: i for i, p in enumerate(ids)}
    n = len(ids)
    basket_pairs: list[tuple[int, int]] = []
    users: dict[uuid.UUID, int] = {}
    user_pairs: list[tuple[int, int]] = []
    for b_i, b in enumerate(baskets):
        u = users.setdefault(b.user_id, len(users))
        for pid in set(b.product_ids):
            j = index.get(pid)
            if j is not None:
                basket_pairs.append((b_i, j))
                user_pairs.append((u, j))
    by_basket = _binary(basket_pairs, (max(len(baskets), 1), n))
    by_user = _binary(list(set(user_pairs)), (max(len(users), 1), n))
    pop = np.asarray(by_basket.sum(axis=0)).ravel()
    popular = [int(x) for x in np.argsort(-pop, kind="stable") if pop[x] > 0]
    co_basket = _cooccurrence(by_basket)
    co_user = _cooccurrence(by_user)
    content = _content(products)
    bought = {i: _top(co_basket, i, NEIGHBOURS) for i in range(n)}
    similar = {i: _top(content, i, NEIGHBOURS) for i in range(n)}
    greener = _greener(products, similar)
    for_user: dict[uuid.UUID, list[int]] = {}
    if users:
        scores = (by_user @ co_user).tocsr()
        for uid, u in users.items():
            row = scores[u].toarray().ravel()
            owned = by_user[u].indices
            row[owned] = 0.0
            nz = np.flatnonzero(row > 0)
            for_user[uid] = [int(x) for x in nz[np.argsort(-row[nz], kind="stable")[:NEIGHBOURS]]]
    return RecModel(ids, popular, bought, similar, greener, for_user)


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, float]
    baseline: dict[str, float]
    queries: int


def evaluate(baskets: Sequence[Basket], products: Sequence[ProductInfo], test_fraction: float = 0.2) -> Evaluation:
    """Time split: fit before the cut, predict each customer's new items after it and each held-out
    basket's other items from one of them; the same queries for popularity."""
    ordered = sorted(baskets, key=lambda b: b.at)
    cut = int(len(ordered) * (1 - test_fraction))
    train, test = ordered[:cut], ordered[cut:]
    model = fit(train, products)
    seen: dict[uuid.UUID, set[int]] = {}
    for b in train:
        seen.setdefault(b.user_id, set()).update(model.index[p] for p in b.product_ids if p in model.index)
    later: dict[uuid.UUID, set[int]] = {}
    for b in test:
        later.setdefault(b.user_id, set()).update(model.index[p] for p in b.product_ids if p in model.index)
    m = {"hit_rate@10": 0.0, "ndcg@10": 0.0, "fbt_hit_rate@10": 0.0, "fbt_ndcg@10": 0.0}
    b_ = dict.fromkeys(m, 0.0)
    users = 0
    for uid, items in later.items():
        new = items - seen.get(uid, set())
        if not new or uid not in seen:
            continue
        users += 1
        mine = [r for r in model.for_user.get(uid, []) if r not in seen[uid]]
        mine += [r for r in model.popular if r not in seen[uid] and r not in mine]
        base = [r for r in model.popular if r not in seen[uid]]
        m["hit_rate@10"] += hit_at_k(mine, new)
        m["ndcg@10"] += ndcg_at_k(mine, new)
        b_["hit_rate@10"] += hit_at_k(base, new)
        b_["ndcg@10"] += ndcg_at_k(base, new)
    pairs = 0
    for b in test:
        rows = [model.index[p] for p in dict.fromkeys(b.product_ids) if p in model.index]
        if len(rows) < 2:
            continue
        query, rest = rows[0], set(rows[1:])
        pairs += 1
        mine = model.bought_together.get(query, [])
        mine = mine + [r for r in model.popular if r != query and r not in mine]
        base = [r for r in model.popular if r != query]
        m["fbt_hit_rate@10"] += hit_at_k(mine, rest)
        m["fbt_ndcg@10"] += ndcg_at_k(mine, rest)
        b_["fbt_hit_rate@10"] += hit_at_k(base, rest)
        b_["fbt_ndcg@10"] += ndcg_at_k(base, rest)
    for d in (m, b_):
        for key in ("hit_rate@10", "ndcg@10"):
            d[key] = round(d[key] / users, 4) if users else 0.0
        for key in ("fbt_hit_rate@10", "fbt_ndcg@10"):
            d[key] = round(d[key] / pairs, 4) if pairs else 0.0
        d["score"] = round((d["ndcg@10"] + d["fbt_ndcg@10"]) / 2, 4)
    return Evaluation(m, b_, users + pairs)
