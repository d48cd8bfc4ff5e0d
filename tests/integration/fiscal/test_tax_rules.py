"""ICMS rules (pure): intra- and inter-state, DIFAL for consumers, taxpayers, Simples Nacional, imports."""

from __future__ import annotations

from decimal import Decimal

from ecovarejo.fiscal.public import TaxRules, icms, interstate_rate
from ecovarejo.orders.pricing import PricedLine, PricingConfig, quote

D = Decimal
SP = TaxRules(origin_state="SP")


def line(sku: str, price: str, qty: int = 1) -> PricedLine:
    return PricedLine(sku, None, None, sku, qty, D(price), D(price) * qty, (), False, D("1"), D("8"))


def test_interstate_rates_follow_the_senate_resolutions():
    assert interstate_rate("SP", "BA") == 7  # South/Southeast -> Northeast
    assert interstate_rate("SP", "ES") == 7  # ES counts with the North/Northeast/Centre-West
    assert interstate_rate("SP", "RJ") == 12
    assert interstate_rate("BA", "SP") == 12
    assert interstate_rate("ES", "BA") == 12
    assert interstate_rate("SP", "BA", imported=True) == 4


def test_intrastate_sale_pays_the_origin_internal_rate_for_consumer_and_company():
    for taxpayer in (False, True):
        t = icms(SP, base=D("1000.00"), destination="SP", taxpayer=taxpayer)
        assert (t.kind, t.icms_rate, t.icms_amount, t.difal_amount) == ("intrastate", D("18"), D("180.00"), D("0.00"))


def test_interstate_consumer_pays_difal_to_the_destination():
    t = icms(SP, base=D("1000.00"), destination="BA", taxpayer=False)
    # 7 % to SP, 20.5 - 7 = 13.5 % DIFAL to BA: the consumer bears BA's internal rate in all
    assert (t.kind, t.icms_rate, t.icms_amount) == ("interstate_consumer", D("7"), D("70.00"))
    assert (t.difal_rate, t.difal_amount, t.amount) == (D("13.5"), D("135.00"), D("205.00"))
    t = icms(SP, base=D("1000.00"), destination="RJ", taxpayer=False)
    assert (t.icms_rate, t.difal_rate) == (D("12"), D("10"))  # RJ 22 %


def test_interstate_taxpayer_pays_the_interstate_rate_only():
    t = icms(SP, base=D("1000.00"), destination="BA", taxpayer=True)
    assert (t.kind, t.icms_rate, t.icms_amount, t.difal_amount) == (
        "interstate_taxpayer",
        D("7"),
        D("70.00"),
        D("0.00"),
    )


def test_imported_goods_blend_to_four_percent():
    t = icms(SP, base=D("1000.00"), destination="BA", taxpayer=True, imported_share=D("0.5"))
    assert t.icms_rate == D("5.50") and t.icms_amount == D("55.00")
    t = icms(SP, base=D("1000.00"), destination="BA", taxpayer=False, imported_share=D("1"))
    assert (t.icms_rate, t.difal_rate) == (D("4.00"), D("16.50"))


def test_simples_nacional_shows_the_das_share_and_no_difal():
    rules = TaxRules(origin_state="SP", regime="simples", simples_icms_rate=D("1.25"))
    t = icms(rules, base=D("1000.00"), destination="BA", taxpayer=False)
    assert (t.kind, t.icms_rate, t.icms_amount, t.difal_amount) == ("simples", D("1.25"), D("12.50"), D("0.00"))


def test_no_origin_keeps_the_destination_table_and_overrides_apply():
    t = icms(TaxRules(), base=D("100.00"), destination="BA", taxpayer=True)
    assert (t.kind, t.rate) == ("destination", D("20.5"))
    rules = TaxRules(origin_state="SP", internal_rates={**TaxRules().internal_rates, "SP": D("19")})
    assert icms(rules, base=D("100.00"), destination="SP", taxpayer=False).icms_amount == D("19.00")


def test_pricing_quote_uses_the_rules_for_consumer_and_company():
    lines = [line("A", "150.00", 2)]  # 300.00: free shipping
    consumer = quote(lines, config=PricingConfig(), state="BA", tax_rules=SP)
    company = quote(lines, config=PricingConfig(), state="BA", tax_rules=SP, taxpayer=True)
    assert consumer.total == company.total == D("300.00")  # tax-inclusive prices: the same total
    assert (consumer.tax_amount, consumer.tax.difal_amount) == (D("61.50"), D("40.50"))  # 20.5 % of 300
    assert (company.tax_amount, company.tax.difal_amount) == (D("21.00"), D("0.00"))  # 7 % of 300
    assert consumer.as_dict()["tax"]["kind"] == "interstate_consumer"
    imported = quote(
        lines, config=PricingConfig(), state="BA", tax_rules=SP, taxpayer=True, imported_skus=frozenset({"A"})
    )
    assert imported.tax_amount == D("12.00")
    exclusive = quote(
        lines, config=PricingConfig(), state="SP", tax_rules=TaxRules(origin_state="SP", tax_inclusive=False)
    )
    assert (exclusive.tax_amount, exclusive.total) == (D("54.00"), D("354.00"))
