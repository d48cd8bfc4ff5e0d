"""Pricing: subtotal, discounts, shipping, tax and total, plus the order's carbon footprint and score.

Exact ``Decimal`` arithmetic throughout; rounding happens once per figure, half-up to the centavo
(:data:`ecovarejo.core.money.ROUNDING`). Prices are tax-inclusive by default (as shown on Brazilian
price tags): ICMS is computed *por dentro* (``taxable × rate``, part of the total) and shown, not
added. With ``tax_inclusive=False`` it is added on top. Which rate applies (intra- or inter-state,
DIFAL for consumers in other states, Simples Nacional) comes from the tenant's tax settings: see
:mod:`ecovarejo.fiscal.rules` and docs/fiscal.md.

Shipping is the option the customer chose, priced by the logistics context (``ShippingOverride``); a
checkout that named none pays the tenant's per-state estimate from the logistics context
(``shipping_estimate``; no table lives here), free above its threshold or with a free-shipping coupon
when the tenant's rules say so. ``PricingConfig``'s per-state tables (the embedded default's) serve only
a caller that passes no estimate. Carbon: each product's footprint × quantity, plus the
option's (or the state estimate's) transport and the packaging (smaller with eco packaging).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ecovarejo.core.errors import InvalidInput
from ecovarejo.core.money import quantize
from ecovarejo.fiscal.public import INTERNAL_RATES, TaxBreakdown, TaxRules, icms
from ecovarejo.logistics import public as logistics

ZERO = Decimal("0.00")
#: The Brazilian states (UFs), as the logistics context knows them.
STATES = tuple(sorted(logistics.STATES))
#: Internal ICMS rates by state (percent), the default tax table; each tenant's tax settings (the
#: fiscal context) override it.
ICMS = INTERNAL_RATES


@dataclass
class PricingConfig:
    #: A checkout that named no quoted shipping option: the logistics context's per-state estimate.
    shipping_by_state: dict[str, Decimal] = field(
        default_factory=lambda: {uf: price for uf, (price, _) in logistics.state_estimates().items()}
    )
    shipping_carbon_kg: dict[str, Decimal] = field(
        default_factory=lambda: {uf: kg for uf, (_, kg) in logistics.state_estimates().items()}
    )
    #: Percent per state: the rules when the tenant has no tax settings (``quote(tax_rules=None)``).
    tax_rates: dict[str, Decimal] = field(default_factory=lambda: {uf: Decimal(v) for uf, v in ICMS.items()})
    tax_inclusive: bool = True
    free_shipping_over: Decimal | None = field(default_factory=logistics.default_free_shipping_over)
    packaging_carbon_kg: Decimal = Decimal("0.30")
    eco_packaging_carbon_kg: Decimal = Decimal("0.10")
    max_line_quantity: int = 20
    max_lines: int = 50
    currency: str = "BRL"


@dataclass(frozen=True)
class PricedLine:
    sku: str
    product_id: Any
    variant_id: Any
    name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    category_path: tuple[str, ...]
    certified: bool
    carbon_footprint_kg: Decimal
    sustainability_score: Decimal
    image_url: str | None = None
    slug: str | None = None
    #: The price-list rule that set ``unit_price`` for a company buyer (None: the catalog price).
    price_rule: str | None = None


@dataclass(frozen=True)
class ShippingOverride:
    """The shipping option the customer chose (priced by the logistics context): its price and kg CO2e
    replace the per-state table's."""

    price: Decimal
    carbon_kg: Decimal
    #: The shop's free-shipping rule lets a free-shipping coupon make this option free (logistics decides).
    free_with_coupon: bool = False


@dataclass(frozen=True)
class Discount:
    code: str
    kind: str
    amount: Decimal
    free_shipping: bool = False


@dataclass(frozen=True)
class Quote:
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    discount_amount: Decimal
    discounts: tuple[Discount, ...]
    loyalty_discount: Decimal
    shipping_cost: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    tax_included: bool
    total: Decimal
    currency: str
    state: str | None
    carbon_footprint_kg: Decimal
    sustainability_score: int
    eco_packaging: bool
    #: Which ICMS rule applied and its parts (ICMS to the origin state, DIFAL to the destination).
    tax: TaxBreakdown | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "subtotal": str(self.subtotal),
            "discount_amount": str(self.discount_amount),
            "discounts": [{"code": d.code, "kind": d.kind, "amount": str(d.amount)} for d in self.discounts],
            "loyalty_discount": str(self.loyalty_discount),
            "shipping_cost": str(self.shipping_cost),
            "tax_rate": str(self.tax_rate),
            "tax_amount": str(self.tax_amount),
            "tax_included": self.tax_included,
            "total": str(self.total),
            "currency": self.currency,
            "state": self.state,
            "carbon_footprint_kg": str(self.carbon_footprint_kg),
            "sustainability_score": self.sustainability_score,
            "eco_packaging": self.eco_packaging,
            "tax": self.tax.as_dict() if self.tax is not None else None,
        }


def check_state(state: str | None) -> str | None:
    if state is None:
        return None
    uf = state.strip().upper()
    if uf not in STATES:
        raise InvalidInput(f"unknown Brazilian state {state!r}", code="invalid_state")
    return uf


def eligible_subtotal(lines: Iterable[PricedLine], category_ids: Sequence[str], certified_only: bool) -> Decimal:
    total = ZERO
    for ln in lines:
        if category_ids and not set(category_ids) & set(ln.category_path):
            continue
        if certified_only and not ln.certified:
            continue
        total += ln.line_total
    return total


def coupon_amount(kind: str, value: Decimal, base: Decimal) -> Decimal:
    """What one coupon takes off ``base`` (the eligible subtotal), rounded half-up to the centavo."""
    if kind == "percent":
        return min(base, (base * value / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    if kind == "fixed":
        return min(base, quantize(value))
    return ZERO


def quote(
    lines: Sequence[PricedLine],
    *,
    config: PricingConfig,
    state: str | None,
    discounts: Sequence[Discount] = (),
    loyalty_discount: Decimal = ZERO,
    eco_packaging: bool = True,
    shipping_override: ShippingOverride | None = None,
    shipping_estimate: logistics.StateEstimate | None = None,
    tax_rules: TaxRules | None = None,
    taxpayer: bool = False,
    imported_skus: frozenset[str] = frozenset(),
) -> Quote:
    """Price the lines. ``shipping_estimate``: the tenant's per-state price when no option was chosen
    (None: ``config``'s tables, the embedded default's); ``tax_rules``: the tenant's tax settings (None:
    ``config``'s table at the destination's rate); ``taxpayer``: the buyer is a company with a state
    registration (no DIFAL); ``imported_skus``: goods of imported origin (4 % interstate)."""
    state = check_state(state)
    subtotal = quantize(sum((ln.line_total for ln in lines), ZERO))
    discount = min(subtotal, quantize(sum((d.amount for d in discounts), ZERO)))
    loyalty = min(subtotal - discount, quantize(loyalty_discount))
    goods = subtotal - discount - loyalty
    # One rule for a free-shipping coupon: it frees shipping only where the shop's free-shipping rule lets
    # it (the logistics context says so for the chosen option and for the per-state estimate alike).
    coupon_frees = any(d.free_shipping for d in discounts)
    if shipping_override is not None:
        coupon_frees = coupon_frees and shipping_override.free_with_coupon
    elif shipping_estimate is not None:
        coupon_frees = coupon_frees and shipping_estimate.free_with_coupon
    free_over = shipping_estimate.free_over if shipping_estimate is not None else config.free_shipping_over
    free_shipping = coupon_frees or (free_over is not None and subtotal >= free_over)
    shipping = ZERO
    if shipping_override is not None:  # its price already holds the shop's free-by-amount rule
        if lines and not coupon_frees:
            shipping = quantize(shipping_override.price)
    elif state and lines and not free_shipping:
        if shipping_estimate is not None:
            shipping = quantize(shipping_estimate.price or ZERO)
        else:
            shipping = quantize(config.shipping_by_state.get(state, ZERO))
    rules = tax_rules or TaxRules(internal_rates=config.tax_rates, tax_inclusive=config.tax_inclusive)
    taxable = goods + shipping
    imported = sum((ln.line_total for ln in lines if ln.sku in imported_skus), ZERO)
    share = imported / subtotal if imported and subtotal else Decimal(0)
    breakdown = icms(rules, base=taxable, destination=state, taxpayer=taxpayer, imported_share=share)
    rate, tax = breakdown.rate, breakdown.amount
    total = taxable if rules.tax_inclusive else taxable + tax
    units = sum(ln.quantity for ln in lines)
    carbon = sum((ln.carbon_footprint_kg * ln.quantity for ln in lines), ZERO)
    if lines:
        if shipping_override is not None:
            carbon += shipping_override.carbon_kg
        elif shipping_estimate is not None:
            carbon += shipping_estimate.co2e_kg
        else:
            carbon += config.shipping_carbon_kg.get(state, ZERO) if state else ZERO
        carbon += config.eco_packaging_carbon_kg if eco_packaging else config.packaging_carbon_kg
    weighted = sum((ln.sustainability_score * ln.quantity for ln in lines), ZERO)
    # Product scores are 0-10; the order's is their unit-weighted mean on a 0-100 integer scale.
    score = int((weighted * 10 / units).quantize(Decimal("1"), rounding=ROUND_HALF_UP)) if units else 0
    return Quote(
        lines=tuple(lines),
        subtotal=subtotal,
        discount_amount=discount,
        discounts=tuple(discounts),
        loyalty_discount=loyalty,
        shipping_cost=shipping,
        tax_rate=rate,
        tax_amount=tax,
        tax_included=rules.tax_inclusive,
        total=quantize(total),
        currency=config.currency,
        state=state,
        carbon_footprint_kg=quantize(carbon),
        sustainability_score=score,
        eco_packaging=eco_packaging,
        tax=breakdown,
    )
