"""Pricing arithmetic: exact decimals, explicit half-up rounding, tax-inclusive by default."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecovarejo.core.errors import InvalidInput
from ecovarejo.orders.pricing import Discount, PricedLine, PricingConfig, coupon_amount, quote

D = Decimal


def line(sku: str, price: str, qty: int, carbon: str = "1.00", score: str = "8", certified: bool = False) -> PricedLine:
    return PricedLine(sku, None, None, sku, qty, D(price), D(price) * qty, (), certified, D(carbon), D(score))


def test_tax_inclusive_quote_with_shipping_carbon_and_score():
    lines = [line("A", "89.90", 2, carbon="2.50", score="9.2"), line("B", "10.05", 1, carbon="0.40", score="6")]
    q = quote(lines, config=PricingConfig(), state="BA", eco_packaging=True)
    assert q.subtotal == D("189.85")
    assert q.shipping_cost == D("34.90")  # Northeast
    # ICMS "por dentro": BA 20.5 % of (189.85 + 34.90) = 224.75 * 0.205 = 46.07375 -> 46.07
    assert (q.tax_rate, q.tax_amount, q.total) == (D("20.5"), D("46.07"), D("224.75"))
    # 2.5*2 + 0.4 + NE transport 2.60 + eco packaging 0.10
    assert q.carbon_footprint_kg == D("8.10")
    # (9.2*2 + 6) / 3 = 8.1333 -> 81 on the 0-100 scale
    assert q.sustainability_score == 81


def test_tax_exclusive_free_shipping_and_discount_caps():
    cfg = PricingConfig(tax_inclusive=False)
    q = quote([line("A", "300.00", 1)], config=cfg, state="SP")
    assert q.shipping_cost == D("0.00")  # free above 299
    assert (q.tax_amount, q.total) == (D("54.00"), D("354.00"))
    q = quote(
        [line("A", "50.00", 1)],
        config=PricingConfig(),
        state="SP",
        discounts=[Discount("X", "fixed", D("80.00")), Discount("F", "free_shipping", D("0"), True)],
    )
    assert (q.discount_amount, q.shipping_cost, q.total) == (D("50.00"), D("0.00"), D("0.00"))


def test_percent_rounds_half_up_to_the_centavo():
    assert coupon_amount("percent", D("10"), D("0.05")) == D("0.01")  # 0.005 -> 0.01
    assert coupon_amount("percent", D("15"), D("33.30")) == D("5.00")  # 4.995 -> 5.00
    assert coupon_amount("fixed", D("20"), D("12.00")) == D("12.00")


def test_unknown_state_is_refused():
    with pytest.raises(InvalidInput):
        quote([line("A", "1.00", 1)], config=PricingConfig(), state="XX")
