"""Tax settings per tenant through the admin API, and checkout pricing with them: an intra- and an
inter-state sale for a consumer and for a company (ICMS taxpayer), on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.integration.orders.shop import ADDRESS, checkout_body, open_shop
from tests.support import bearer, make_tenant, token_for

SETTINGS = "/api/v1/admin/fiscal/settings"
PASSWORD = "correct horse battery staple 42"
COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}


async def _register(client, shop, email: str, company: dict | None = None) -> dict:
    body = {
        "email": email, "password": PASSWORD, "first_name": "Ana", "last_name": "Souza",
        "accept_terms": True, "accept_privacy": True,
    }  # fmt: skip
    if company:
        body["company"] = company
    r = await client.post("/api/v1/auth/register", json=body, headers=shop.h)
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=shop.h)
    assert r.status_code == 200, r.text
    return {**shop.h, **bearer(r.json()["access_token"])}


async def test_settings_are_validated_as_a_whole_and_kept_per_tenant(container, client):
    shop = await open_shop(container)
    r = await client.get(SETTINGS, headers=shop.admin)
    assert r.status_code == 200 and r.json()["version"] == 0 and r.json()["defaults"]["BA"] == "20.5"
    for body, code in [
        ({"origin_state": "XX"}, "invalid_state"),
        ({"origin_state": "SP", "regime": "lucro"}, "invalid_regime"),
        ({"origin_state": "SP", "internal_rates": {"SP": "18.123"}}, "invalid_tax_rate"),
        ({"origin_state": "SP", "internal_rates": {"ZZ": "18"}}, "invalid_state"),
    ]:
        r = await client.put(SETTINGS, json=body, headers=shop.admin)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
        assert r.json()["code"] == code
    assert (await client.get(SETTINGS, headers=shop.admin)).json()["version"] == 0  # nothing half-saved
    r = await client.put(SETTINGS, json={"origin_state": "sp", "internal_rates": {"sp": "18.5"}}, headers=shop.admin)
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["origin_state"], r.json()["internal_rates"]) == (1, "SP", {"SP": "18.5"})
    r = await client.post(
        "/api/v1/admin/fiscal/preview", json={"base": "100.00", "destination_state": "BA"}, headers=shop.admin
    )
    assert r.json()["kind"] == "interstate_consumer" and (r.json()["icms_amount"], r.json()["difal_amount"]) == (
        "7.00",
        "13.50",
    )
    # another tenant keeps the default table; a customer cannot read or change settings
    other = await make_tenant(container)
    h_other = {"X-Tenant-ID": str(other), **bearer(token_for(container, other, "admin"))}
    assert (await client.get(SETTINGS, headers=h_other)).json()["version"] == 0
    _, customer = shop.customer()
    assert (await client.put(SETTINGS, json={"origin_state": "RJ"}, headers=customer)).status_code == 403


async def test_products_fiscal_data(container, client):
    shop = await open_shop(container)
    url = "/api/v1/admin/fiscal/products/TEE"
    for body, code in [
        ({"ncm": "6109.10"}, "invalid_ncm"),
        ({"ncm": "6109.10.00", "cfop": "1102"}, "invalid_cfop"),
        ({"ncm": "6109.10.00", "origin": 9}, "invalid_origin"),
        ({"ncm": "6109.10.00", "cest": "28.038"}, "invalid_cest"),
    ]:
        r = await client.put(url, json=body, headers=shop.admin)
        assert r.status_code == 422 and r.json()["code"] == code, r.text
    assert (await client.get(url, headers=shop.admin)).status_code == 404
    r = await client.put(url, json={"ncm": "6109.10.00", "cfop": "5102", "origin": 1, "cest": "28.038.00"},
                         headers=shop.admin)  # fmt: skip
    assert r.json() == {"sku": "TEE", "ncm": "61091000", "cfop": "5102", "origin": 1, "cest": "2803800"}
    r = await client.get("/api/v1/admin/fiscal/products", headers=shop.admin)
    assert [i["sku"] for i in r.json()["items"]] == ["TEE"]


async def test_checkout_prices_icms_and_difal_from_the_tenant_settings(container, client):
    shop = await open_shop(container)
    shop.catalog.put("TEE", "150.00")
    await shop.stock("TEE", 20)
    r = await client.put(SETTINGS, json={"origin_state": "SP"}, headers=shop.admin)
    assert r.status_code == 200
    consumer = await _register(client, shop, "ana@example.com")
    company = await _register(client, shop, "compras@verde.example", company=COMPANY)
    expected = {  # 2 x 150.00 = 300.00, free shipping; tax-inclusive prices
        ("consumer", "SP"): ("intrastate", "54.00", "0.00"),
        ("consumer", "BA"): ("interstate_consumer", "21.00", "40.50"),
        ("company", "SP"): ("intrastate", "54.00", "0.00"),
        ("company", "BA"): ("interstate_taxpayer", "21.00", "0.00"),
    }
    for who, h in (("consumer", consumer), ("company", company)):
        r = await client.post("/api/v1/cart/items", json={"sku": "TEE", "quantity": 2}, headers=h)
        assert r.status_code == 200, r.text
        for uf in ("SP", "BA"):
            tax = (await client.get("/api/v1/cart", params={"state": uf}, headers=h)).json()["summary"]["tax"]
            assert (tax["kind"], tax["icms_amount"], tax["difal_amount"]) == expected[(who, uf)], (who, uf)
    # the order keeps the tax the checkout computed: an inter-state consumer sale, ICMS + DIFAL
    body = checkout_body(shipping_address={**ADDRESS, "state": "BA", "city": "Salvador", "postal_code": "40010-000"})
    r = await client.post("/api/v1/orders", json=body, headers={**consumer, "Idempotency-Key": "tax-1"})
    assert r.status_code == 201, r.text
    assert (r.json()["total_amount"], r.json()["tax_amount"]) == ("300.00", "61.50")
