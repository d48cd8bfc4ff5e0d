"""The demo's year of history: orders (written to the orders context through its history import),
their facts, and the storefront behaviour around them, generated fast (bulk inserts; seconds).

What is in it: a year ending yesterday with weekly rhythm (weekends slower), a slow growth trend,
Black Friday (the Friday after the fourth Thursday of November: ×6 that day, ×2 that week) and the
Christmas run-up (Dec 1–23, up to ×2.5); a pool of customers of whom some come back often (loyal),
~12 % B2B buyers with bigger baskets, card/Pix/boleto, coupons and loyalty points, ~4 % cancelled
and ~3 % refunded orders; product views, searches (some with no result), carts and checkouts.

**Adding a pattern** (the ML context plants co-purchases, a fraud ring, ...): write a
:class:`Pattern` — a callable that gets the :class:`History` being built and may change its orders or
append new ones (``history.new_order(...)`` makes a consistent one) — and either add it to
:data:`PATTERNS` or, from another context, append it to the :class:`HistoryPatterns` port
(``container.ports.provide_default(HistoryPatterns, HistoryPatterns()).append(...)``) in that
context's ``install`` (the composition root runs the seed with every installed pattern). A
pattern must be deterministic given ``history.rng``. :class:`CoPurchases` below is the example: it
makes chosen product pairs be bought together far more often than chance.
"""

from __future__ import annotations

import itertools
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.db import new_id
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.orders import public as orders_history
from ecovarejo.products import public as products
from ecovarejo.users import public as users

from . import repository as repo
from .baselines import avoided_g, baseline_kg, grams
from .ingest import SHOP_TZ, CategoryIndex, shop_day

CENT = Decimal("0.01")
STATES = (("SP", 40), ("RJ", 12), ("MG", 10), ("RS", 6), ("PR", 6), ("SC", 5), ("BA", 5), ("PE", 4), ("DF", 4),
          ("GO", 3), ("CE", 2), ("ES", 2), ("PA", 1))  # fmt: skip
METHODS = (("card", 55), ("pix", 35), ("boleto", 10))
COUPONS = (("BEMVINDO10", "percent", Decimal("10")), ("FRETEGRATIS", "shipping", Decimal("0")),
           ("ECO20", "fixed", Decimal("20")))  # fmt: skip
ZERO_RESULT_QUERIES = ("painel solar", "canudo de papel kraft", "bicicleta eletrica", "fralda descartavel",
                       "composteira grande", "xampu solido", "escova de bambo")  # fmt: skip
CHECKPOINT = "demo_history"


@dataclass
class Product:
    product_id: uuid.UUID
    sku: str
    name: str
    price: Decimal
    category: str
    category_path: list[str]
    certified: bool
    carbon_kg: Decimal
    score: Decimal
    weight: float


@dataclass
class Customer:
    user_id: uuid.UUID
    b2b: bool
    state: str
    loyalty: float  # how often this customer comes back (relative)
    #: The category this customer mostly buys from (personal taste: what "for you" can learn).
    taste: str = ""


@dataclass
class Line:
    product: Product
    quantity: int
    #: The price charged, when it was not today's catalog price (a past promotion or increase).
    unit_price: Decimal | None = None

    @property
    def price(self) -> Decimal:
        return self.unit_price if self.unit_price is not None else self.product.price


@dataclass
class Order:
    id: uuid.UUID
    customer: Customer
    at: datetime
    lines: list[Line]
    method: str
    status: str = "delivered"
    coupon: str | None = None
    loyalty_points_brl: Decimal = Decimal("0")
    refund_share: Decimal = Decimal("0")
    eco_packaging: bool = True
    green_delivery: bool = False
    #: Free-form marks patterns leave (``{"fraud_ring": True}``) for their own sinks and tests.
    marks: dict[str, Any] = field(default_factory=dict)


Pattern = Callable[["History"], None]


class HistoryPatterns(list[Pattern]):
    """Patterns other contexts add to every demo history (a port: ``container.ports.find(HistoryPatterns)``)."""


@dataclass
class History:
    """The history being generated: patterns read and change it before anything is written."""

    rng: random.Random
    start: date
    end: date
    products: list[Product]
    customers: list[Customer]
    orders: list[Order] = field(default_factory=list)

    def pick_products(self, n: int, taste: str = "") -> list[Product]:
        """``n`` products by popularity; with a taste, about two in three from that category."""
        if taste and self.rng.random() < 0.65:
            liked = self._by_category().get(taste)
            if liked:
                return self.rng.choices(liked, cum_weights=self._cumulative(taste, liked), k=n)
        return self.rng.choices(self.products, cum_weights=self._cumulative("", self.products), k=n)

    def _cumulative(self, key: str, products: list[Product]) -> list[float]:
        """The running sum of ``products``' weights (what ``choices`` builds from ``weights`` on every
        call; the same draws, computed once per category and list size)."""
        cache: dict[tuple[str, int], list[float]] = self.__dict__.setdefault("_cum", {})
        hit = cache.get((key, len(products)))
        if hit is None:
            hit = cache[(key, len(products))] = list(itertools.accumulate(p.weight for p in products))
        return hit

    def _by_category(self) -> dict[str, list[Product]]:
        if not hasattr(self, "_cats"):
            cats: dict[str, list[Product]] = {}
            for p in self.products:
                cats.setdefault(p.category, []).append(p)
            self._cats = cats
        return self._cats

    def new_order(self, customer: Customer, at: datetime, products: list[Product] | None = None) -> Order:
        rng = self.rng
        chosen = products or self.pick_products(1 + min(4, int(rng.expovariate(1.2))), customer.taste)
        lines: dict[str, Line] = {}
        for p in chosen:
            qty = rng.choice((1, 1, 1, 2, 3)) * (rng.choice((5, 10, 20)) if customer.b2b else 1)
            if p.sku in lines:
                lines[p.sku].quantity += qty
            else:
                lines[p.sku] = Line(p, qty)
        method = _weighted(rng, METHODS)
        if customer.b2b and rng.random() < 0.5:
            method = "boleto"
        return Order(new_id(), customer, at, list(lines.values()), method)


def _weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def black_friday(year: int) -> date:
    nov1 = date(year, 11, 1)
    first_thursday = nov1 + timedelta(days=(3 - nov1.weekday()) % 7)
    return first_thursday + timedelta(days=22)


def day_factor(d: date, start: date) -> float:
    """Expected orders on ``d`` relative to an ordinary weekday at the start of the year."""
    f = (1.0, 1.05, 1.0, 1.1, 1.15, 0.8, 0.7)[d.weekday()]
    f *= 1 + 0.35 * (d - start).days / 365  # growth
    f *= 1 + 0.12 * math.sin(2 * math.pi * (d.timetuple().tm_yday - 80) / 365)  # mild seasonal swing
    bf = black_friday(d.year)
    if d == bf:
        f *= 6
    elif 0 <= (d - bf).days <= 3 or 0 < (bf - d).days <= 3:
        f *= 2
    if d.month == 12 and d.day <= 23:
        f *= 1 + 1.5 * d.day / 23
    if (d.month == 12 and d.day in (24, 25, 31)) or (d.month, d.day) == (1, 1):
        f *= 0.4
    return f


class CoPurchases:
    """Planted co-purchases: for some product pairs (among the top half by popularity, not only the
    best sellers), buying the first adds the second ~75 % of the time."""

    def __init__(self, pairs: int = 16, probability: float = 0.75) -> None:
        self.pairs, self.probability = pairs, probability

    def __call__(self, history: History) -> None:
        rng = history.rng
        pool = sorted(history.products, key=lambda p: -p.weight)[: max(2, len(history.products) // 2)]
        rng.shuffle(pool)
        pairs = list(zip(pool[0::2], pool[1::2], strict=False))[: self.pairs]
        for order in history.orders:
            skus = {ln.product.sku for ln in order.lines}
            for a, b in pairs:
                if a.sku in skus and b.sku not in skus and rng.random() < self.probability:
                    order.lines.append(Line(b, order.lines[0].quantity if order.customer.b2b else 1))
                    order.marks.setdefault("co_purchase", []).append((a.sku, b.sku))
                    skus.add(b.sku)


#: Patterns every demo history gets; other contexts add theirs through the ``HistoryPatterns`` port.
class PriceChanges:
    """Planted price moves, so that price elasticity can be measured: for some of the best sellers the
    price changes every four weeks between -15 %, today's and +15 %, and demand answers with the
    product's own elasticity (a few elastic, a few not). Demand is thinned from the cheapest level's:
    at price factor m a line is kept with probability (m / 0.85)^e; an order left without lines goes."""

    LEVELS = (Decimal("0.85"), Decimal("1.00"), Decimal("1.15"))
    ELASTICITIES = (-2.5, -1.8, -0.4)

    def __init__(self, products: int = 16, period_days: int = 28) -> None:
        self.products, self.period_days = products, period_days

    def __call__(self, history: History) -> None:
        rng = history.rng
        top = sorted(history.products, key=lambda p: -p.weight)[: self.products]
        plan = {p.sku: (rng.choice(self.ELASTICITIES), rng.randrange(3)) for p in top}
        kept_orders = []
        for order in history.orders:
            period = (order.at.date() - history.start).days // self.period_days
            lines = []
            for ln in order.lines:
                found = plan.get(ln.product.sku)
                if found is None:
                    lines.append(ln)
                    continue
                elasticity, offset = found
                m = self.LEVELS[(period + offset) % len(self.LEVELS)]
                if rng.random() < (float(m) / 0.85) ** elasticity:
                    ln.unit_price = (ln.product.price * m).quantize(CENT, ROUND_HALF_UP)
                    lines.append(ln)
            if lines:
                order.lines = lines
                kept_orders.append(order)
        history.orders = kept_orders


PATTERNS: list[Pattern] = [CoPurchases(), PriceChanges()]


def generate(
    products_: list[Product], end: date, *, seed: int, days: int = 365, daily_orders: float = 12.0,
    customers: int = 1500, patterns: list[Pattern] | None = None,
) -> History:  # fmt: skip
    """The whole history in memory (nothing written): deterministic for a given ``seed``."""
    rng = random.Random(seed)
    start = end - timedelta(days=days - 1)
    pool = [
        Customer(
            uuid.UUID(int=rng.getrandbits(128), version=4),
            rng.random() < 0.12,
            _weighted(rng, STATES),
            rng.paretovariate(1.6),
        )
        for _ in range(customers)
    ]
    categories = sorted({p.category for p in products_})
    for c in pool:
        c.taste = rng.choice(categories) if categories else ""
    h = History(rng, start, end, products_, pool)
    weights = [c.loyalty for c in pool]
    d = start
    while d <= end:
        n = _poisson(rng, daily_orders * day_factor(d, start))
        buyers = rng.choices(pool, weights=weights, k=n)
        for buyer in buyers:
            local = datetime.combine(d, time(8), SHOP_TZ) + timedelta(minutes=rng.randint(0, 15 * 60))
            order = h.new_order(buyer, local.astimezone(UTC))
            _decorate(rng, order, d, end)
            h.orders.append(order)
        d += timedelta(days=1)
    for pattern in patterns if patterns is not None else PATTERNS:
        pattern(h)
    h.orders.sort(key=lambda o: o.at)
    return h


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _decorate(rng: random.Random, order: Order, d: date, end: date) -> None:
    age = (end - d).days
    r = rng.random()
    if r < 0.04:
        order.status = "cancelled"
    elif r < 0.07 and age > 7:
        order.status = "refunded"
        order.refund_share = Decimal("1")
    elif r < 0.085 and age > 7:
        order.status = "partially_refunded"
        order.refund_share = Decimal("0.5")
    else:
        order.status = "paid" if age < 2 else "shipped" if age < 6 else "delivered"
    if rng.random() < 0.12:
        order.coupon = rng.choice(COUPONS)[0]
    elif rng.random() < 0.06:
        order.loyalty_points_brl = Decimal(rng.choice((5, 10, 15)))
    order.eco_packaging = rng.random() < 0.8
    order.green_delivery = rng.random() < 0.1 + 0.15 * (365 - age) / 365


PATHS = {
    "cancelled": ("awaiting_payment", "cancelled"),
    "paid": ("awaiting_payment", "paid"),
    "shipped": ("awaiting_payment", "paid", "fulfilling", "shipped"),
    "delivered": ("awaiting_payment", "paid", "fulfilling", "shipped", "delivered"),
    "refunded": ("awaiting_payment", "paid", "fulfilling", "shipped", "delivered", "refunded"),
    "partially_refunded": ("awaiting_payment", "paid", "fulfilling", "shipped", "delivered", "partially_refunded"),
}
PAID = frozenset(PATHS) - {"cancelled"}
SHIPPED = frozenset({"shipped", "delivered", "refunded", "partially_refunded"})


def _money(v: Decimal) -> Decimal:
    return v.quantize(CENT, ROUND_HALF_UP)


def _rows(order: Order, tenant_id: uuid.UUID) -> tuple[orders_history.PastOrder, dict[str, Any], list[dict[str, Any]]]:
    subtotal = sum((ln.price * ln.quantity for ln in order.lines), Decimal("0"))
    shipping = Decimal("0") if subtotal >= 150 or order.coupon == "FRETEGRATIS" else Decimal("19.90")
    discount = Decimal("0")
    if order.coupon == "BEMVINDO10":
        discount = _money(subtotal * Decimal("0.10"))
    elif order.coupon == "ECO20" and subtotal >= 100:
        discount = Decimal("20.00")
    loyalty = min(order.loyalty_points_brl, subtotal - discount)
    total = subtotal - discount - loyalty + shipping
    refunded = _money(total * order.refund_share)
    product_carbon = sum((ln.product.carbon_kg * ln.quantity for ln in order.lines), Decimal("0"))
    carbon = product_carbon + Decimal("0.40") + (Decimal("0.10") if order.eco_packaging else Decimal("0.30"))
    units = sum(ln.quantity for ln in order.lines)
    score = round(sum(float(ln.product.score) * ln.quantity for ln in order.lines) / max(1, units) * 10)
    past = orders_history.PastOrder(
        id=order.id, user_id=order.customer.user_id, placed_at=order.at, status=order.status,
        path=PATHS[order.status], state=order.customer.state, subtotal=subtotal, discount=discount,
        loyalty_discount=loyalty, shipping=shipping, total=total, refunded=refunded, carbon_footprint=_money(carbon),
        sustainability_score=min(100, max(0, score)), eco_packaging=order.eco_packaging,
        coupon_codes=(order.coupon,) if order.coupon else (),
        carrier="Entrega Verde (bicicleta)" if order.green_delivery else "Correios",
        address={"recipient": "Cliente", "city": "—"}, payment_method=order.method,
        lines=tuple(
            orders_history.PastLine(ln.product.product_id, ln.product.sku, ln.product.name, ln.quantity,
                                    ln.price, ln.product.carbon_kg, ln.product.score, ln.product.certified)
            for ln in order.lines
        ),
    )  # fmt: skip
    day = fast_day(order.at)
    paid = order.status in PAID
    lines: list[dict[str, Any]] = []
    for ln in order.lines:
        c = grams(ln.product.carbon_kg * ln.quantity)
        base = baseline_kg(ln.product.category_path)
        lines.append(
            {
                "id": uuid.uuid4(), "tenant_id": tenant_id, "order_id": order.id, "day": day, "paid": paid,
                "product_id": ln.product.product_id, "sku": ln.product.sku, "name": ln.product.name[:300],
                "category": ln.product.category[:120], "certified": ln.product.certified, "quantity": ln.quantity,
                "revenue_cents": int(ln.price * ln.quantity * 100), "carbon_g": c,
                "baseline_g": grams(base * ln.quantity) if base is not None else c,
            }
        )  # fmt: skip
    fact = {
        "order_id": order.id, "tenant_id": tenant_id, "order_number": "", "user_id": order.customer.user_id,
        "placed_at": order.at, "day": day, "status": order.status, "paid": paid,
        "channel": "b2b" if order.customer.b2b else "b2c", "payment_method": order.method,
        "state": order.customer.state, "items": units, "subtotal_cents": int(subtotal * 100),
        "discount_cents": int(discount * 100), "loyalty_cents": int(loyalty * 100),
        "shipping_cents": int(shipping * 100), "total_cents": int(total * 100), "refunded_cents": int(refunded * 100),
        "coupons": order.coupon or "", "carbon_g": grams(_money(carbon)),
        "avoided_g": sum(avoided_g(ln["baseline_g"], ln["carbon_g"]) for ln in lines),
        "eco_packaging": order.eco_packaging, "green_delivery": order.green_delivery,
        "shipped": order.status in SHIPPED,
    }  # fmt: skip
    return past, fact, lines


def fast_day(at: datetime) -> date:
    """The São Paulo day of a UTC time (UTC−3 all year since 2019): ``shop_day`` without the zone lookup."""
    return (at - timedelta(hours=3)).date()


def behaviour(history: History, tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    """Views, searches, carts and checkouts around the orders (each order's buyer walked the funnel)."""
    rng = history.rng
    words = sorted({w.lower() for p in history.products for w in p.name.split() if len(w) > 4})
    out: list[dict[str, Any]] = []

    def ev(at: datetime, kind: str, visitor: str, **kw: Any) -> None:
        row = {"id": uuid.UUID(int=rng.getrandbits(128)), "tenant_id": tenant_id, "at": at, "day": fast_day(at),
               "kind": kind,
               "visitor": visitor, "product": None, "query": None, "results": None, "source": None}  # fmt: skip
        row.update(kw)
        out.append(row)

    for order in history.orders:
        visitor = order.customer.user_id.hex[:32]
        at = order.at - timedelta(minutes=20)
        ev(at, "search_performed", visitor, query=rng.choice(words), results=rng.randint(1, 30))
        for ln in order.lines:
            ev(at, "product_viewed", visitor, product=str(ln.product.product_id))
            ev(at + timedelta(minutes=2), "added_to_cart", visitor, product=str(ln.product.product_id))
        ev(order.at - timedelta(minutes=3), "checkout_started", visitor)
        if order.status != "cancelled":
            ev(order.at, "order_placed", visitor)
        # browsers who did not buy: about two and a half per order
        for _ in range(rng.choice((1, 2, 3, 4))):
            anon = uuid.UUID(int=rng.getrandbits(128)).hex[:32]
            t = order.at + timedelta(minutes=rng.randint(-600, 600))
            if rng.random() < 0.5:
                zero = rng.random() < 0.1
                q = rng.choice(ZERO_RESULT_QUERIES) if zero else rng.choice(words)
                ev(t, "search_performed", anon, query=q, results=0 if zero else rng.randint(1, 30))
            for p in history.pick_products(rng.choice((1, 1, 2, 3))):
                ev(t, "product_viewed", anon, product=str(p.product_id))
                if rng.random() < 0.05:
                    ev(t, "recommendation_clicked", anon, product=str(p.product_id), source="bought_together")
            if rng.random() < 0.15:
                ev(t, "added_to_cart", anon)
                if rng.random() < 0.3:
                    ev(t, "checkout_started", anon)
    return [e for e in out if history.start <= e["day"] <= history.end]


async def catalog(uow: UnitOfWork) -> list[Product]:
    skus = await products.list_skus(uow)
    sellables = await products.get_sellables(uow, skus)
    cats = await CategoryIndex.load(uow)
    rng = random.Random(len(skus))
    out = []
    for sku in sorted(sellables):
        s = sellables[sku]
        if not s.is_active or s.unit_price <= 0:
            continue
        cid = str(s.category_id) if s.category_id else ""
        out.append(
            Product(s.product_id, s.sku, s.name, s.unit_price, cats.name.get(cid, "—"), cats.path.get(cid, []),
                    s.certified, s.carbon_footprint_kg, s.sustainability_score, rng.paretovariate(2.0))
        )  # fmt: skip
    return out


def customers(history: History) -> list[users.PastCustomer]:
    """The history's buyers as accounts of the users context (B2B ones with their company), so that the
    orders have real buyers and a later backfill reads the same channel the history was generated with."""
    buyers = {o.customer.user_id: o.customer for o in history.orders}
    out = []
    for n, c in enumerate(sorted(buyers.values(), key=lambda c: c.user_id)):
        first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]
        company = f"{last} {COMPANY_KINDS[n % len(COMPANY_KINDS)]} Ltda" if c.b2b else None
        out.append(users.PastCustomer(c.user_id, f"cliente{c.user_id.hex[:10]}@historico.exemplo.com.br",
                                      first, last, company))  # fmt: skip
    return out


FIRST_NAMES = ("Ana", "Bruno", "Carla", "Diego", "Elisa", "Fábio", "Gabriela", "Heitor", "Isabela", "João",
               "Larissa", "Marcos", "Natália", "Otávio", "Paula", "Rafael", "Sofia", "Tiago", "Vitória",
               "Yuri")  # fmt: skip
LAST_NAMES = ("Silva", "Souza", "Oliveira", "Santos", "Pereira", "Lima", "Costa", "Ribeiro", "Almeida", "Carvalho",
              "Gomes", "Martins", "Araújo", "Barbosa", "Rocha", "Dias", "Moreira", "Nunes", "Mendes",
              "Freitas")  # fmt: skip
COMPANY_KINDS = ("Comércio", "Distribuidora", "Empório", "Mercado", "Atacado")


async def write(uow: UnitOfWork, history: History, batch: int = 2000) -> int:
    """Write the orders (orders context), the facts and the behaviour events; returns the order count."""
    tid = uow.tenant_id
    assert tid is not None
    await users.import_customers(uow, customers(history))
    for i in range(0, len(history.orders), batch):
        chunk = [_rows(o, tid) for o in history.orders[i : i + batch]]
        await orders_history.import_orders(uow, [c[0] for c in chunk])
        await repo.bulk_insert(uow, [c[1] for c in chunk], [ln for c in chunk for ln in c[2]])
    events = behaviour(history, tid)
    for i in range(0, len(events), 5000):
        await repo.insert_behaviour(uow, events[i : i + 5000])
    return len(history.orders)


async def seed_demo(container: Container, uow: UnitOfWork, options: dict[str, Any]) -> None:
    """A year of history for the tenant, once (a checkpoint marks it done)."""
    if await repo.get_checkpoint(uow, CHECKPOINT):
        return
    products_ = await catalog(uow)
    if not products_:
        return
    tid = uow.tenant_id
    assert tid is not None
    yesterday = shop_day(datetime.now(UTC)) - timedelta(days=1)
    extra: list[Pattern] = list(container.ports.find(HistoryPatterns) or [])
    scale = float(options.get("history_scale", 1.0))
    history = generate(products_, yesterday, seed=tid.int % 2**32, daily_orders=12.0 * scale,
                       patterns=[*PATTERNS, *extra])  # fmt: skip
    n = await write(uow, history)
    await repo.set_checkpoint(uow, CHECKPOINT, {"orders": n, "start": history.start.isoformat(),
                                                "end": history.end.isoformat()})  # fmt: skip
    console = options.get("console")
    if console is not None:
        console.print(f"  analytics: {n} pedidos de histórico ({history.start:%d/%m/%Y}–{history.end:%d/%m/%Y})")


__all__ = ["PATTERNS", "CoPurchases", "History", "Order", "Pattern", "PriceChanges", "generate", "seed_demo"]
