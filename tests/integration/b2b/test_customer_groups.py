"""Price lists per customer group: staff make a group ("atacado"), put companies in it and give it a price
list; its companies' carts price from it, other companies' and consumers' do not. The resolution order:
every list in force for the company, for its groups and for every company competes at the line's quantity,
the lowest unit price wins, and on equal prices the most specific list names the rule (company, group,
everyone). Bad input: both a company and a group, an unknown group, a taken code. SQLite and PostgreSQL."""

from __future__ import annotations

from tests.integration.orders.shop import open_shop

from .test_price_lists import _account

GREEN = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}
OTHER = {"cnpj": "11.222.333/0001-81", "legal_name": "Outra Compras Ltda", "state_registration": "ISENTO"}
LISTS = "/api/v1/admin/b2b/price-lists"
GROUPS = "/api/v1/admin/b2b/groups"


async def _line(client, headers, sku: str, qty: int) -> dict:
    await client.delete("/api/v1/cart", headers=headers)
    r = await client.post("/api/v1/cart/items", json={"sku": sku, "quantity": qty}, headers=headers)
    assert r.status_code in (200, 201), r.text
    cart = (await client.get("/api/v1/cart", headers=headers)).json()
    return next(i for i in cart["items"] if i["sku"] == sku)


async def test_group_price_lists_and_the_resolution_order(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00")
    shop.catalog.put("MUG", "40.00")
    await shop.stock("TEE", 50)
    await shop.stock("MUG", 50)
    green_h, green = await _account(client, shop, "compras@verde.example", GREEN)
    other_h, _ = await _account(client, shop, "compras@outra.example", OTHER)
    consumer_h, _ = await _account(client, shop, "ana@example.com")

    # groups: a code in use is refused; companies are set all at once
    r = await client.post(GROUPS, json={"code": "atacado", "name": "Atacado"}, headers=shop.admin)
    assert r.status_code == 201, r.text
    group_id = r.json()["id"]
    r = await client.post(GROUPS, json={"code": "Atacado", "name": "Outro"}, headers=shop.admin)
    assert r.status_code == 409 and r.json()["code"] == "group_exists"
    r = await client.post(GROUPS, json={"code": "no spaces", "name": "X"}, headers=shop.admin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_group"
    r = await client.put(f"{GROUPS}/{group_id}/companies", json={"company_ids": [green["company_id"]]},
                         headers=shop.admin)  # fmt: skip
    assert r.status_code == 200 and r.json()["company_ids"] == [green["company_id"]], r.text
    listed = (await client.get(GROUPS, headers=shop.admin)).json()["items"]
    assert [(g["code"], g["company_ids"]) for g in listed] == [("atacado", [green["company_id"]])]
    assert (await client.get(GROUPS, headers=green_h)).status_code == 403
    r = await client.put(f"{GROUPS}/00000000-0000-0000-0000-000000000000/companies", json={"company_ids": []},
                         headers=shop.admin)  # fmt: skip
    assert r.status_code == 404 and r.json()["code"] == "group_not_found"

    # a list for the group; bad lists: a company and a group at once, an unknown group (nothing saved)
    rules = [{"sku": "TEE", "kind": "percent", "value": "15"}, {"sku": "MUG", "kind": "fixed", "value": "30.00"}]
    r = await client.post(LISTS, json={"name": "Atacado", "group_id": group_id, "company_id": green["company_id"],
                                       "rules": rules}, headers=shop.admin)  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "invalid_price_list"
    r = await client.post(LISTS, json={"name": "Atacado", "group_id": "00000000-0000-0000-0000-000000000001",
                                       "rules": rules}, headers=shop.admin)  # fmt: skip
    assert r.status_code == 404 and r.json()["code"] == "group_not_found"
    assert (await client.get(LISTS, headers=shop.admin)).json()["items"] == []
    r = await client.post(LISTS, json={"name": "Atacado", "group_id": group_id, "rules": rules}, headers=shop.admin)
    assert r.status_code == 201 and r.json()["group_id"] == group_id, r.text

    # the group's company prices from it; another company and a consumer keep the catalog
    tee = await _line(client, green_h, "TEE", 2)
    assert (tee["unit_price"], tee["price_rule"]) == ("85.00", "Atacado: -15% (1+)")
    for headers in (other_h, consumer_h):
        line = await _line(client, headers, "TEE", 2)
        assert (line["unit_price"], line["price_rule"]) == ("100.00", None)

    # resolution: the company's own list, the group's and everyone's compete; the lowest price wins
    r = await client.post(LISTS, json={"name": "Verde", "company_id": green["company_id"], "rules": [
        {"sku": "MUG", "kind": "fixed", "value": "30.00"},
        {"sku": "MUG", "kind": "fixed", "value": "25.00", "min_qty": 1000},
    ]}, headers=shop.admin)  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "overlapping_tiers"  # MUG's two tiers overlap
    r = await client.post(LISTS, json={"name": "Verde", "company_id": green["company_id"], "rules": [
        {"sku": "TEE", "kind": "fixed", "value": "90.00", "max_qty": 9},
        {"sku": "TEE", "kind": "fixed", "value": "80.00", "min_qty": 10},
        {"sku": "MUG", "kind": "fixed", "value": "30.00"},
    ]}, headers=shop.admin)  # fmt: skip
    assert r.status_code == 201, r.text
    r = await client.post(LISTS, json={"name": "Todos", "rules": [{"sku": "MUG", "kind": "fixed", "value": "30.00"},
                                                                  {"sku": "TEE", "kind": "percent", "value": "5"}]},
                          headers=shop.admin)  # fmt: skip
    assert r.status_code == 201, r.text
    tee = await _line(client, green_h, "TEE", 2)  # group 85.00 < company 90.00 < everyone 95.00
    assert (tee["unit_price"], tee["price_rule"]) == ("85.00", "Atacado: -15% (1+)")
    tee = await _line(client, green_h, "TEE", 10)  # the company's 10+ tier, 80.00, beats the group's 85.00
    assert (tee["unit_price"], tee["price_rule"]) == ("80.00", "Verde: R$ 80.00 (10+)")
    mug = await _line(client, green_h, "MUG", 2)  # 30.00 in all three: the company's list names it
    assert (mug["unit_price"], mug["price_rule"]) == ("30.00", "Verde: R$ 30.00 (1+)")
    other_tee = await _line(client, other_h, "TEE", 2)  # not in the group: everyone's list only
    assert (other_tee["unit_price"], other_tee["price_rule"]) == ("95.00", "Todos: -5% (1+)")

    # out of the group: its list no longer applies
    r = await client.put(f"{GROUPS}/{group_id}/companies", json={"company_ids": []}, headers=shop.admin)
    assert r.status_code == 200 and r.json()["company_ids"] == []
    tee = await _line(client, green_h, "TEE", 2)
    assert (tee["unit_price"], tee["price_rule"]) == ("90.00", "Verde: R$ 90.00 (1-9)")
