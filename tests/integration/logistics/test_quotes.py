"""Quotes over HTTP: table rates offline, three carriers concurrently against their fakes, degradation
when one is down or slow, caching, free shipping, emissions, and bad input."""

from __future__ import annotations

from decimal import Decimal

CARRIERS_ON = {"table_rate": True, "correios": ["03298", "03220"], "melhorenvio": [1, 2, 3, 31]}


async def _quote(client, shop, cep="01310-100", items=None):
    items = items or [{"sku": "CAMISETA", "quantity": 1}]
    return await client.post("/api/v1/shipping/quotes", headers=shop.h, json={"cep": cep, "items": items})


async def test_default_table_rates_need_no_configuration(client, shop):
    r = await _quote(client, shop, cep="69005-040")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["destination"] == {"cep": "69005-040", "state": "AM"}
    by_service = {o["service"]: o for o in body["options"]}
    assert set(by_service) == {"standard", "express", "green"}
    std = by_service["standard"]
    assert std["price"] == "44.90"  # the North's price up to 1 kg, as the old per-state table
    assert std["days_min"] == 6 + 1 and std["days_max"] == 12 + 1  # zone days + one handling day
    assert Decimal(std["co2e_kg"]) > 0
    green = by_service["green"]
    assert green["green"] is True
    assert Decimal(green["co2e_kg"]) < Decimal(std["co2e_kg"])
    assert green["days_max"] > std["days_max"]
    assert by_service["express"]["mode"] == "air"  # São Paulo -> Manaus flies
    assert Decimal(by_service["express"]["co2e_kg"]) > Decimal(std["co2e_kg"])
    assert body["degraded"] == []


async def test_three_carriers_answer_together_and_are_cached(client, shop, correios, melhorenvio):
    await shop.configure(client, carriers=CARRIERS_ON)
    r = await _quote(client, shop, cep="20040-020")
    assert r.status_code == 200, r.text
    options = r.json()["options"]
    carriers = {(o["carrier"], o["service"]) for o in options}
    assert {("correios", "03298"), ("correios", "03220")} <= carriers
    assert {("melhorenvio", "1"), ("melhorenvio", "2"), ("melhorenvio", "3")} <= carriers
    assert ("melhorenvio", "31") not in carriers  # Loggi does not serve this route: left out, no error
    pac = next(o for o in options if o["carrier"] == "correios" and o["service"] == "03298")
    assert pac["service_name"] == "PAC" and pac["price"] == "30.50"  # "30,50" read as Brazilian decimal
    jadlog = next(o for o in options if o["service_name"].startswith("Jadlog"))
    assert jadlog["days_min"] == 5 + 1
    prices = [Decimal(o["price"]) for o in options]
    assert prices == sorted(prices)
    calls = len(correios[0].calls), len(melhorenvio[0].calls)
    again = await _quote(client, shop, cep="20040-020")
    assert {(o["carrier"], o["service"], o["price"]) for o in again.json()["options"]} == {
        (o["carrier"], o["service"], o["price"]) for o in options
    }
    assert (len(correios[0].calls), len(melhorenvio[0].calls)) == calls  # served from the cache


async def test_a_carrier_down_degrades_to_the_others(client, shop, correios, melhorenvio):
    await shop.configure(client, carriers=CARRIERS_ON)
    correios[0].down = True
    r = await _quote(client, shop, cep="30130-010")
    assert r.status_code == 200
    body = r.json()
    assert body["degraded"] == ["correios"]
    assert {o["carrier"] for o in body["options"]} == {"table_rate", "melhorenvio"}
    # after two failures the breaker skips Correios without calling it
    await _quote(client, shop, cep="30130-011")
    before = len(correios[0].calls)
    r = await _quote(client, shop, cep="30130-012")
    assert r.json()["degraded"] == ["correios"]
    assert len(correios[0].calls) == before


async def test_a_slow_carrier_is_cut_at_the_timeout(client, shop, melhorenvio):
    await shop.configure(client, carriers={"table_rate": True, "correios": ["03298"], "melhorenvio": [1]})
    melhorenvio[0].delay = 2.5
    r = await _quote(client, shop, cep="88010-000")
    assert r.status_code == 200
    assert "melhorenvio" in r.json()["degraded"]
    assert {o["carrier"] for o in r.json()["options"]} == {"table_rate", "correios"}


async def test_every_carrier_down_falls_back_to_table_rates_even_when_off(client, shop, correios, melhorenvio):
    await shop.configure(client, carriers={"table_rate": False, "correios": ["03298"], "melhorenvio": [1]})
    correios[0].down = melhorenvio[0].down = True
    r = await _quote(client, shop, cep="01310-100")
    assert r.status_code == 200
    assert {o["carrier"] for o in r.json()["options"]} == {"table_rate"}


async def test_free_shipping_over_the_threshold_and_by_region(client, shop):
    r = await _quote(client, shop, items=[{"sku": "COMPOSTEIRA", "quantity": 1}])
    std = next(o for o in r.json()["options"] if o["service"] == "standard")
    assert std["free"] is True and std["price"] == "0.00" and std["original_price"] == "14.90"
    express = next(o for o in r.json()["options"] if o["service"] == "express")
    assert express["free"] is False
    await shop.configure(client, free_shipping={"over": "100.00", "states": ["RJ"], "services": ["standard"]})
    r = await _quote(client, shop, items=[{"sku": "COMPOSTEIRA", "quantity": 1}])
    assert not any(o["free"] for o in r.json()["options"])  # SP is not in the free region now


async def test_weight_bands_and_cubic_weight(client, shop):
    staff = shop.staff
    r = await client.put(
        "/api/v1/admin/shipping/packages/GARRAFA",
        headers=staff,
        json={"weight_g": 800, "length_cm": 30, "width_cm": 10, "height_cm": 10},
    )
    assert r.status_code == 200 and r.json()["cubic_weight_g"] == 500
    # 3 units: 2.4 kg real; stacked 30x10x30 = cubic 1.5 kg -> the 5 kg band
    r = await _quote(client, shop, items=[{"sku": "GARRAFA", "quantity": 3}])
    body = r.json()
    assert body["package"]["weight_g"] == 2400
    std = next(o for o in body["options"] if o["service"] == "standard")
    assert std["price"] == "24.90"


async def test_bad_input_is_a_problem(client, shop):
    r = await _quote(client, shop, cep="123")
    assert r.status_code == 422 and r.json()["code"] == "invalid_cep"
    r = await _quote(client, shop, items=[{"sku": "NOPE", "quantity": 1}])
    assert r.status_code == 422 and r.json()["code"] == "unknown_sku" and r.json()["skus"] == ["NOPE"]
    r = await _quote(client, shop, items=[{"sku": "GARRAFA", "quantity": 0}])
    assert r.status_code == 422
    await client.put(
        "/api/v1/admin/shipping/packages/COMPOSTEIRA",
        headers=shop.staff,
        json={"weight_g": 12000, "length_cm": 60, "width_cm": 40, "height_cm": 40},
    )
    r = await _quote(client, shop, items=[{"sku": "COMPOSTEIRA", "quantity": 3}])
    assert r.status_code == 422 and r.json()["code"] == "package_too_heavy"
    r = await _quote(client, shop, items=[{"sku": "COMPOSTEIRA", "quantity": 2}])
    assert r.status_code == 422 and r.json()["code"] == "package_too_heavy"  # 32 kg cubic
    await client.put(
        "/api/v1/admin/shipping/packages/GARRAFA",
        headers=shop.staff,
        json={"weight_g": 1000, "length_cm": 120, "width_cm": 10, "height_cm": 10},
    )
    r = await _quote(client, shop, items=[{"sku": "GARRAFA", "quantity": 1}])
    assert r.status_code == 422 and r.json()["code"] == "package_too_large"


async def test_configuration_is_validated_and_per_tenant(client, shop, container):
    from tests.support import bearer, make_tenant, token_for

    bad = await client.put(
        "/api/v1/admin/shipping/config",
        headers=shop.staff,
        json={"origins": [{"code": "A", "name": "A", "cep": "123"}], "zones": [], "rates": []},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_shipping_config"
    saved = await shop.configure(client, handling_days=4)
    assert saved["version"] == 1
    other = await make_tenant(container)
    h = {"X-Tenant-ID": str(other), **bearer(token_for(container, other, "admin"))}
    r = await client.get("/api/v1/admin/shipping/config", headers=h)
    assert r.json()["version"] == 0 and r.json()["document"]["handling_days"] == 1
    customer = {**shop.h, **bearer(token_for(container, shop.tenant_id, "customer"))}
    assert (await client.get("/api/v1/admin/shipping/config", headers=customer)).status_code == 403
