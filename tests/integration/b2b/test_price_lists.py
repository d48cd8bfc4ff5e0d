"""Price lists: a company buyer's cart and checkout price from its list (tiers, % off, fixed) with the
winning rule on each line; MOQ and multiples; overlapping tiers and bad CSV refused with nothing saved;
CSV export and import; consumers keep the catalog price. SQLite and PostgreSQL."""

from __future__ import annotations

from tests.integration.orders.shop import checkout_body, open_shop
from tests.support import bearer

PASSWORD = "correct horse battery staple 42"
COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}
LISTS = "/api/v1/admin/b2b/price-lists"


async def _account(client, shop, email: str, company: dict | None = None) -> tuple[dict[str, str], dict]:
    body = {"email": email, "password": PASSWORD, "first_name": "A", "last_name": "B", "accept_terms": True,
            "accept_privacy": True, **({"company": company} if company else {})}  # fmt: skip
    r = await client.post("/api/v1/auth/register", json=body, headers=shop.h)
    assert r.status_code == 201, r.text
    profile = r.json()
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=shop.h)
    return {**shop.h, **bearer(r.json()["access_token"])}, profile


async def test_company_prices_tiers_moq_and_csv(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00")
    shop.catalog.put("MUG", "40.00")
    await shop.stock("TEE", 50)
    await shop.stock("MUG", 50)
    company_h, profile = await _account(client, shop, "compras@verde.example", COMPANY)
    consumer_h, _ = await _account(client, shop, "ana@example.com")

    overlapping = {"name": "Atacado", "company_id": profile["company_id"], "rules": [
        {"sku": "TEE", "kind": "percent", "value": "10", "min_qty": 1, "max_qty": 9},
        {"sku": "TEE", "kind": "percent", "value": "20", "min_qty": 5},
    ]}  # fmt: skip
    r = await client.post(LISTS, json=overlapping, headers=shop.admin)
    assert r.status_code == 422 and r.json()["code"] == "overlapping_tiers", r.text
    assert (await client.get(LISTS, headers=shop.admin)).json()["items"] == []  # nothing saved
    good = {"name": "Atacado", "company_id": profile["company_id"], "rules": [
        {"sku": "TEE", "kind": "percent", "value": "10", "min_qty": 1, "max_qty": 9},
        {"sku": "TEE", "kind": "percent", "value": "20", "min_qty": 10},
        {"sku": "MUG", "kind": "fixed", "value": "30.00", "moq": 6, "multiple": 6},
    ]}  # fmt: skip
    r = await client.post(LISTS, json=good, headers=shop.admin)
    assert r.status_code == 201, r.text
    list_id = r.json()["id"]

    # the company's cart: TEE at the 10+ tier, the rule named on the line; consumers keep catalog prices
    await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 10}, headers=company_h)
    cart = (await client.get("/api/v1/cart", headers=company_h)).json()
    [tee] = cart["items"]
    assert (tee["unit_price"], tee["line_total"]) == ("80.00", "800.00")
    assert tee["price_rule"] == "Atacado: -20% (10+)"
    r = await client.post("/graphql", json={"query": "{ cart { items { sku unitPrice priceRule } } }"},
                          headers=company_h)  # fmt: skip
    assert r.json()["data"]["cart"]["items"] == [{"sku": "TEE", "unitPrice": "80.00", "priceRule": tee["price_rule"]}]
    await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 10}, headers=consumer_h)
    [mine] = (await client.get("/api/v1/cart", headers=consumer_h)).json()["items"]
    assert (mine["unit_price"], mine["price_rule"]) == ("100.00", None)

    # MOQ and multiples: listed in the cart, refused at checkout with nothing reserved
    await client.post("/api/v1/cart/items", json={"sku": "MUG", "quantity": 4}, headers=company_h)
    cart = (await client.get("/api/v1/cart", headers=company_h)).json()
    assert {"sku": "MUG", "code": "below_minimum_quantity", "detail": "MUG: at least 6 units"} in cart["problems"]
    r = await client.post("/api/v1/orders", json=checkout_body(), headers={**company_h, "Idempotency-Key": "pl-1"})
    assert r.status_code == 422 and r.json()["code"] == "below_minimum_quantity", r.text
    assert await shop.available("TEE") == 50
    await client.put("/api/v1/cart/items/MUG", json={"quantity": 12}, headers=company_h)
    r = await client.post("/api/v1/orders", json=checkout_body(), headers={**company_h, "Idempotency-Key": "pl-2"})
    assert r.status_code == 201, r.text
    assert r.json()["subtotal"] == "1160.00"  # 10 x 80.00 + 12 x 30.00

    # CSV out and in (all or nothing)
    csv_text = (await client.get(f"{LISTS}/{list_id}/rules.csv", headers=shop.admin)).text
    assert csv_text.splitlines()[0] == "sku,kind,value,min_qty,max_qty,moq,multiple"
    assert "TEE,percent,20.00,10,,1,1" in csv_text
    bad = "sku,kind,value,min_qty,max_qty\nTEE,fixed,50.00,1,\nTEE,fixed,40.00,3,\n"
    r = await client.put(f"{LISTS}/{list_id}/rules.csv", content=bad.encode(), headers=shop.admin)
    assert r.status_code == 422 and r.json()["code"] == "overlapping_tiers"
    assert (await client.get(f"{LISTS}/{list_id}/rules.csv", headers=shop.admin)).text == csv_text
    r = await client.put(f"{LISTS}/{list_id}/rules.csv", content=b"sku,kind,value\nTEE,fixed,70.00\n",
                         headers=shop.admin)  # fmt: skip
    assert r.status_code == 200 and r.json() == {"imported": 1}
    r = await client.get(f"{LISTS}/{list_id}", headers=shop.admin)
    assert [(x["sku"], x["kind"], x["value"]) for x in r.json()["rules"]] == [("TEE", "fixed", "70.00")]
    # a customer cannot manage price lists
    assert (await client.get(LISTS, headers=consumer_h)).status_code == 403
