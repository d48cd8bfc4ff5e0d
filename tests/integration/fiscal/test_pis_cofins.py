"""PIS/COFINS per the tenant's tax regime: Simples Nacional (inside the DAS, CST 49, no value), the regular
regime cumulative (0.65 % / 3 %) or non-cumulative (1.65 % / 7.6 %) on the sale less its ICMS; shown in
the admin preview and written in the NF-e (the provider's fields and the XML's ``PIS``/``COFINS`` groups).
SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from defusedxml import ElementTree

from ecovarejo.fiscal.nfe_xml import NS
from ecovarejo.fiscal.rules import TaxRules, pis_cofins

from .nfe_shop import open_nfe_shop

SETTINGS = "/api/v1/admin/fiscal/settings"
PREVIEW = "/api/v1/admin/fiscal/preview"
SAO_PAULO = {
    "recipient": "Ana Souza", "street": "Rua Augusta", "number": "10", "district": "Consolação",
    "city": "São Paulo", "state": "SP", "postal_code": "01305-000",
}  # fmt: skip


def test_rates_per_regime_on_the_sale_less_its_icms() -> None:
    base, icms = Decimal("300.00"), Decimal("54.00")
    cumulative = pis_cofins(TaxRules(origin_state="SP"), base=base, icms_amount=icms)
    assert (cumulative.kind, cumulative.cst, cumulative.base) == ("cumulative", "01", Decimal("246.00"))
    assert (cumulative.pis_amount, cumulative.cofins_amount) == (Decimal("1.60"), Decimal("7.38"))
    rules = TaxRules(origin_state="SP", pis_cofins="non_cumulative")
    regular = pis_cofins(rules, base=base, icms_amount=icms)
    assert (regular.pis_rate, regular.cofins_rate) == (Decimal("1.65"), Decimal("7.6"))
    assert (regular.pis_amount, regular.cofins_amount) == (Decimal("4.06"), Decimal("18.70"))
    simples = pis_cofins(TaxRules(regime="simples", pis_cofins="non_cumulative"), base=base)
    assert (simples.kind, simples.cst, simples.pis_amount, simples.cofins_amount) == ("simples", "49", 0, 0)
    assert all(isinstance(v, Decimal) for v in (regular.base, regular.pis_amount, regular.cofins_amount))


async def _xml_taxes(s, client, headers, order_id: str) -> list[tuple[str, str, Decimal, Decimal]]:
    await s.note_in(order_id, "authorized")
    body = (await client.get(f"/api/v1/orders/{order_id}/nfe", headers=headers)).json()
    root = ElementTree.fromstring((await client.get(body["xml_url"], headers=headers)).content)
    out = []
    for tag in ("PIS", "COFINS"):
        for group in root.iter(f"{NS}{tag}"):
            inner = group[0]
            out.append((inner.tag.removeprefix(NS), inner.findtext(f"{NS}CST"),
                        Decimal(inner.findtext(f"{NS}v{tag}")), Decimal(inner.findtext(f"{NS}vBC"))))  # fmt: skip
    return out


async def test_regular_regimes_preview_and_note(container, client, focus) -> None:
    s = await open_nfe_shop(container, client, focus)
    admin = s.shop.admin
    r = await client.get(SETTINGS, headers=admin)
    assert r.json()["pis_cofins"] == "cumulative"
    r = await client.put(SETTINGS, headers=admin, json={"origin_state": "SP", "pis_cofins": "lucro"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_pis_cofins", r.text
    assert r.headers["content-type"].startswith("application/problem+json")

    # cumulative (the default): 0.65 % and 3 % of the sale less its ICMS (SP → SP: 18 %)
    r = await client.post(PREVIEW, json={"base": "300.00", "destination_state": "SP"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["icms_amount"] == "54.00" and r.json()["amount"] == "54.00"
    assert r.json()["pis_cofins"] == {"kind": "cumulative", "cst": "01", "base": "246.00", "pis_rate": "0.65",
                                      "pis_amount": "1.60", "cofins_rate": "3", "cofins_amount": "7.38"}  # fmt: skip
    ana = await s.register(client, "ana@example.com", cpf="529.982.247-25")
    order = await s.buy(client, ana, "pc-1", shipping_address=SAO_PAULO)
    await s.note_in(order["id"], "authorized")
    sent = s.sent(order["id"])
    for item in sent["items"]:
        base = Decimal(item["icms_base_calculo"]) - Decimal(item["icms_valor"])
        assert (item["pis_situacao_tributaria"], item["cofins_situacao_tributaria"]) == ("01", "01")
        assert Decimal(item["pis_base_calculo"]) == base and item["pis_aliquota_porcentual"] == "0.65"
        assert Decimal(item["pis_valor"]) == (base * Decimal("0.0065")).quantize(Decimal("0.01"))
        assert Decimal(item["cofins_valor"]) == (base * Decimal("0.03")).quantize(Decimal("0.01"))
    groups = await _xml_taxes(s, client, ana, order["id"])
    assert {(g[0], g[1]) for g in groups} == {("PISAliq", "01"), ("COFINSAliq", "01")} and len(groups) == 4
    assert sum(g[2] for g in groups if g[0] == "PISAliq") == sum(Decimal(i["pis_valor"]) for i in sent["items"])
    assert sent["valor_total"] == order["total_amount"]  # part of the price: the total is unchanged

    # non-cumulative: 1.65 % and 7.6 %
    r = await client.put(SETTINGS, headers=admin, json={"origin_state": "SP", "issuer_cnpj": "11.222.333/0001-81",
                                                        "pis_cofins": "non_cumulative"})  # fmt: skip
    assert r.status_code == 200 and r.json()["pis_cofins"] == "non_cumulative", r.text
    r = await client.post(PREVIEW, json={"base": "300.00", "destination_state": "SP"}, headers=admin)
    pc = r.json()["pis_cofins"]
    assert (pc["kind"], pc["pis_amount"], pc["cofins_amount"]) == ("non_cumulative", "4.06", "18.70")
    order = await s.buy(client, ana, "pc-2", shipping_address=SAO_PAULO)
    await s.note_in(order["id"], "authorized")
    sent = s.sent(order["id"])
    assert {(i["pis_aliquota_porcentual"], i["cofins_aliquota_porcentual"]) for i in sent["items"]} == {("1.65", "7.6")}
    groups = await _xml_taxes(s, client, ana, order["id"])
    assert sum(g[2] for g in groups if g[0] == "COFINSAliq") == sum(Decimal(i["cofins_valor"]) for i in sent["items"])


async def test_simples_nacional_in_the_das(container, client, focus) -> None:
    s = await open_nfe_shop(container, client, focus)
    r = await client.put(SETTINGS, headers=s.shop.admin, json={
        "origin_state": "SP", "regime": "simples", "simples_icms_rate": "1.25", "issuer_cnpj": "11.222.333/0001-81",
        "pis_cofins": "non_cumulative",
    })  # fmt: skip
    assert r.status_code == 200, r.text
    r = await client.post(PREVIEW, json={"base": "300.00", "destination_state": "SP"}, headers=s.shop.admin)
    assert r.json()["kind"] == "simples"
    assert r.json()["pis_cofins"] == {"kind": "simples", "cst": "49", "base": "0.00", "pis_rate": "0",
                                      "pis_amount": "0.00", "cofins_rate": "0", "cofins_amount": "0.00"}  # fmt: skip
    ana = await s.register(client, "ana@example.com", cpf="529.982.247-25")
    order = await s.buy(client, ana, "pc-s", shipping_address=SAO_PAULO)
    await s.note_in(order["id"], "authorized")
    sent = s.sent(order["id"])
    for item in sent["items"]:
        assert (item["pis_situacao_tributaria"], item["cofins_situacao_tributaria"]) == ("49", "49")
        assert "pis_valor" not in item and "cofins_valor" not in item
    groups = await _xml_taxes(s, client, ana, order["id"])
    assert {(g[0], g[1], g[2]) for g in groups} == {("PISOutr", "49", 0), ("COFINSOutr", "49", 0)}
