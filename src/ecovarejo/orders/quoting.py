"""The orders context's ports, the buyer's snapshot and pricing (what :mod:`service` re-exports): cart
lines priced from the catalog or the buyer's price list, quotes with coupons, taxes and shipping."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from ecovarejo.b2b import public as b2b
from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.errors import Conflict, InvalidInput
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.fiscal import public as fiscal
from ecovarejo.inventory import public as inventory
from ecovarejo.logistics import public as logistics
from ecovarejo.users import public as users

from . import coupons as coupon_rules
from .cart import CartStore
from .catalog import Catalog
from .fraud import FraudScreen
from .pricing import PricedLine, PricingConfig, Quote, ShippingOverride, check_state, quote

# --------------------------------------------------------------------------- ports


@dataclass
class OrdersPorts:
    carts: CartStore
    catalog: Catalog
    pricing: PricingConfig
    container: Container
    #: Admission control: checkouts running at once in this process. Each holds at most one database
    #: connection at a time, so with this at the pool size a burst queues here (FIFO, no time limit)
    #: instead of timing out on the connection pool.
    checkout_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(10))

    def now(self) -> datetime:
        return self.container.now()

    @property
    def fraud(self) -> FraudScreen | None:
        """Scores each checkout (approve / hold for review / decline): the ``FraudScreen`` port the ml
        context provides."""
        return self.container.ports.find(FraudScreen)


def ports_of(container: Container) -> OrdersPorts:
    return container.ports.get(OrdersPorts)


# --------------------------------------------------------------------------- customers


@dataclass(frozen=True)
class Customer:
    user_id: uuid.UUID
    email: str | None
    first_name: str | None
    locale: str
    b2b: bool
    company_id: uuid.UUID | None = None
    #: Buys for a company with a state registration (ICMS *contribuinte*): no DIFAL on its purchases.
    taxpayer: bool = False


async def customer_of(uow: UnitOfWork, principal: Principal) -> Customer:
    """The buyer's snapshot for the order (from the users context; one read with its company)."""
    email, first_name, locale, b2b = principal.email, None, "pt-BR", principal.company_id is not None
    company_id, taxpayer = principal.company_id, False
    buyer = await users.get_buyer(uow, principal.user_id)
    if buyer is not None:
        user = buyer.user
        email, first_name, locale = user.email, user.first_name, user.locale or "pt-BR"
        b2b, company_id = user.company_id is not None, user.company_id
        taxpayer = buyer.company is not None and buyer.company.taxpayer
    return Customer(principal.user_id, email, first_name, locale, b2b, company_id, taxpayer)


# --------------------------------------------------------------------------- pricing lines


def _priced(sellable: Any, quantity: int) -> PricedLine:
    unit = quantize(sellable.unit_price)
    return PricedLine(
        sku=sellable.sku,
        product_id=sellable.product_id,
        variant_id=getattr(sellable, "variant_id", None),
        name=sellable.name,
        quantity=quantity,
        unit_price=unit,
        line_total=unit * quantity,
        category_path=tuple(str(c) for c in (getattr(sellable, "category_path", None) or [])),
        certified=bool(getattr(sellable, "certified", False)),
        carbon_footprint_kg=Decimal(str(getattr(sellable, "carbon_footprint_kg", 0) or 0)),
        sustainability_score=Decimal(str(getattr(sellable, "sustainability_score", 0) or 0)),
        image_url=getattr(sellable, "image_url", None),
        slug=getattr(sellable, "slug", None),
    )


async def price_lines(
    uow: UnitOfWork, ports: OrdersPorts, lines: dict[str, int], *, strict: bool
) -> tuple[list[PricedLine], list[dict[str, Any]]]:
    """Price ``lines`` from the catalog and check stock. ``strict`` raises on the first problem (checkout);
    otherwise problems are listed (cart display)."""
    if len(lines) > ports.pricing.max_lines:
        raise InvalidInput(f"at most {ports.pricing.max_lines} lines per cart", code="too_many_lines")
    skus = sorted(lines)
    sellables = await ports.catalog.get_sellables(uow, skus) if skus else {}
    stock = await inventory.availability(uow, skus)
    priced: list[PricedLine] = []
    problems: list[dict[str, Any]] = []
    for sku in skus:
        qty = lines[sku]
        s = sellables.get(sku)
        problem: tuple[int, str, str] | None = None
        if s is None:
            problem = (422, "product_not_found", f"{sku} is not in the catalog")
        elif not s.is_active:
            problem = (422, "product_inactive", f"{s.name} is no longer sold")
        elif qty < 1 or qty > ports.pricing.max_line_quantity:
            problem = (422, "invalid_quantity", f"quantity must be 1 to {ports.pricing.max_line_quantity}")
        elif stock.get(sku, 0) < qty:
            problem = (409, "insufficient_stock", f"only {stock.get(sku, 0)} units of {s.name} available")
        if problem:
            if strict:
                status, code, detail = problem
                extra = {"sku": sku, "available": stock.get(sku, 0)}
                raise (Conflict if status == 409 else InvalidInput)(detail, code=code, extra=extra)
            problems.append({"sku": sku, "code": problem[1], "detail": problem[2]})
        if s is not None:
            priced.append(_priced(s, qty))
    return priced, problems


async def company_prices(
    uow: UnitOfWork,
    ports: OrdersPorts,
    company_id: uuid.UUID,
    priced: list[PricedLine],
    problems: list[dict[str, Any]],
    *,
    strict: bool,
) -> list[PricedLine]:
    """A company buyer's lines at its price lists' best price (the rule named on the line), with the
    lists' minimum quantities and multiples checked: one read."""
    found = await b2b.prices_for(uow, company_id, {ln.sku: (ln.quantity, ln.unit_price) for ln in priced}, ports.now())
    out: list[PricedLine] = []
    for ln in priced:
        price = found.get(ln.sku)
        if price is None:
            out.append(ln)
            continue
        wrong = b2b.check_quantity(price, ln.quantity)
        if wrong is not None:
            if strict:
                raise InvalidInput(wrong[1], code=wrong[0], extra={"sku": ln.sku, "moq": price.moq,
                                                                   "multiple": price.multiple})  # fmt: skip
            problems.append({"sku": ln.sku, "code": wrong[0], "detail": wrong[1]})
        if price.rule:
            unit = quantize(price.unit_price)
            ln = replace(ln, unit_price=unit, line_total=unit * ln.quantity, price_rule=price.rule)
        out.append(ln)
    return out


def _at_quoted(ln: PricedLine, quoted: b2b.QuotedOrder) -> PricedLine:
    unit = quantize(quoted.prices[ln.sku])
    return replace(ln, unit_price=unit, line_total=unit * ln.quantity, price_rule=quoted.number)


async def quote_for(
    uow: UnitOfWork,
    ports: OrdersPorts,
    lines: dict[str, int],
    coupon_codes: Sequence[str],
    *,
    customer: Customer | None,
    state: str | None,
    eco_packaging: bool = True,
    strict: bool,
    loyalty_points: int = 0,
    shipping: ShippingOverride | None = None,
    quoted: b2b.QuotedOrder | None = None,
) -> tuple[Quote, list[dict[str, Any]]]:
    priced, problems = await price_lines(uow, ports, lines, strict=strict)
    if quoted is not None:  # an accepted B2B quote: its prices, named by its number, instead of any list's
        priced = [_at_quoted(ln, quoted) for ln in priced]
    elif customer is not None and customer.company_id is not None and priced:
        priced = await company_prices(uow, ports, customer.company_id, priced, problems, strict=strict)
    if loyalty_points and customer is None:
        raise InvalidInput("sign in to spend loyalty points", code="loyalty_requires_account")

    async def is_b2b() -> bool:
        return bool(customer and customer.b2b)

    try:
        discounts = await coupon_rules.evaluate(
            uow, coupon_codes, priced, user_id=customer.user_id if customer else None, now=ports.now(), is_b2b=is_b2b
        )
    except (InvalidInput, Conflict) as exc:
        if strict:
            raise
        problems.append({"coupon": exc.extra.get("coupon"), "code": exc.code, "detail": exc.detail})
        discounts = []
    loyalty = users.points_value(loyalty_points)
    rules = await fiscal.tax_rules(uow, ports.container.ports.find(fiscal.RulesCache))
    dest = check_state(state) if state else None
    imported: frozenset[str] = frozenset()
    if rules.origin_state and dest and dest != rules.origin_state and rules.regime != "simples" and priced:
        # 4 % interstate on imported goods: only an inter-state sale reads the products' fiscal data
        data = await fiscal.products_fiscal(uow, [ln.sku for ln in priced])
        imported = frozenset(sku for sku, f in data.items() if f.imported)
    estimate: logistics.StateEstimate | None = None
    if shipping is None and dest and priced:  # no quoted option: the tenant's own per-state price
        units = {ln.sku: ln.quantity for ln in priced}
        try:  # priced by the cart's (cubic) weight, as a quote would
            estimate = await logistics.state_estimate(ports.container, uow, dest, units)
        except (logistics.PackageTooHeavy, logistics.PackageTooLarge) as exc:
            if strict:
                raise
            problems.append({"code": exc.code, "detail": exc.detail})
            estimate = await logistics.state_estimate(ports.container, uow, dest)
        if estimate.price is None:
            detail = f"the shop does not ship to {dest}"
            if estimate.zone is not None and estimate.weight_g:
                detail = f"the shop has no shipping rate to {dest} for a parcel of {estimate.weight_g / 1000:.1f} kg"
            if strict:
                raise logistics.NoShippingOptions(detail, extra={"state": dest})
            problems.append({"code": "no_shipping_options", "detail": detail})
    q = quote(
        priced, config=ports.pricing, state=state, discounts=discounts, eco_packaging=eco_packaging,
        loyalty_discount=loyalty, shipping_override=shipping, shipping_estimate=estimate, tax_rules=rules,
        taxpayer=bool(customer and customer.taxpayer), imported_skus=imported,
    )  # fmt: skip
    return q, problems
