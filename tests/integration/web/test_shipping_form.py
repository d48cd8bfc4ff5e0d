"""The admin shipping form: staff add a zone by CEP range, its rates, a pickup point and carriers, and
save; bad input comes back with a pt-BR message next to each field, what was typed kept, nothing saved."""

from __future__ import annotations

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, token_for

from .helpers import make_staff
from .shipping_form import form_fields


async def _config(container: Container, web: httpx.AsyncClient) -> dict:
    h = {"X-Tenant-ID": str(DEFAULT_TENANT_ID), **bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))}
    r = await web.get("/api/v1/admin/shipping/config", headers=h)
    assert r.status_code == 200
    return r.json()


async def test_staff_fill_and_save_the_shipping_form(web: httpx.AsyncClient, container: Container) -> None:
    await make_staff(web, container, "frete-form@example.com", user_type="customer", permissions=("manage_orders",))
    page = await web.get("/admin/frete")
    assert page.status_code == 200
    fields = form_fields(page.text)
    zones = sum(1 for k in fields if k.startswith("zones-") and k.endswith("-code") and fields[k])
    rates = sum(1 for k in fields if k.startswith("rates-") and k.endswith("-zone") and fields[k])
    z, r = f"zones-{zones}", f"rates-{rates}"  # the first blank rows
    filled = {
        **fields,
        f"{z}-code": "CAPITAL", f"{z}-name": "Capital paulista", f"{z}-cep_ranges": "01000-000..05999-999",
        f"{z}-days_min": "1", f"{z}-days_max": "2",
        f"{r}-zone": "CAPITAL", f"{r}-service": "standard", f"{r}-max_weight_g": "5000", f"{r}-price": "9,90",
        "pickup_points-0-code": "LOJA-1", "pickup_points-0-name": "Loja Centro", "pickup_points-0-kind": "store",
        "pickup_points-0-street": "Rua Direita", "pickup_points-0-number": "10", "pickup_points-0-city": "São Paulo",
        "pickup_points-0-state": "SP", "pickup_points-0-cep": "01002-000", "pickup_points-0-hours": "9h–18h",
        "pickup_points-0-days": "1", "pickup_points-0-price": "0", "pickup_points-0-radius_km": "25",
        "pickup_points-0-enabled": "on",
        "free_shipping-over": "199,90", "free_shipping-services": ["standard"],
        "carriers-correios": "03298, 03220", "carriers-correios_pickup": "03298",
    }  # fmt: skip
    saved = await web.post("/admin/frete", data=filled)
    assert saved.status_code == 303, saved.text
    doc = (await _config(container, web))["document"]
    capital = next(zn for zn in doc["zones"] if zn["code"] == "CAPITAL")
    assert capital["cep_ranges"] == [["01000000", "05999999"]] and capital["days_max"] == 2
    assert {"zone": "CAPITAL", "service": "standard", "max_weight_g": 5000, "price": "9.90"} in doc["rates"]
    [point] = doc["pickup_points"]
    assert point["code"] == "LOJA-1" and point["cep"] == "01002000" and point["radius_km"] == 25
    assert doc["free_shipping"]["over"] == "199.90" and doc["free_shipping"]["services"] == ["standard"]
    assert doc["carriers"]["correios"] == ["03298", "03220"] and doc["carriers"]["correios_pickup"] == ["03298"]
    again = form_fields((await web.get("/admin/frete")).text)
    assert again[f"{r}-price"] == "9,90" and again["pickup_points-0-name"] == "Loja Centro"


async def test_bad_input_is_shown_next_to_each_field_and_nothing_is_saved(
    web: httpx.AsyncClient, container: Container
) -> None:
    await make_staff(web, container, "frete-erros@example.com", user_type="customer", permissions=("manage_orders",))
    before = await _config(container, web)
    fields = form_fields((await web.get("/admin/frete")).text)
    bad = {
        **fields,
        "zones-0-days_min": "9", "zones-0-days_max": "3",  # reversed days (a row-level error)
        "rates-1-price": "abc",
        "handling_days": "dois",
        "pickup_points-0-code": "X", "pickup_points-0-name": "Armário", "pickup_points-0-kind": "locker",
        "pickup_points-0-street": "Rua A", "pickup_points-0-city": "São Paulo", "pickup_points-0-state": "SP",
        "pickup_points-0-cep": "123",
    }  # fmt: skip
    r = await web.post("/admin/frete", data=bad)
    assert r.status_code == 422
    page = r.text
    assert 'id="err-rates-1-price"' in page and "Use um valor como 14,90." in page
    assert 'id="err-handling_days"' in page and "Use um número inteiro." in page
    assert 'id="err-pickup_points-0-cep"' in page and "CEP inválido" in page
    assert 'id="err-zones-0"' in page and "O prazo mínimo está acima do máximo." in page
    assert 'aria-invalid="true" aria-describedby="err-rates-1-price"' in page
    kept = form_fields(page)
    assert kept["rates-1-price"] == "abc" and kept["handling_days"] == "dois" and kept["pickup_points-0-cep"] == "123"
    assert (await _config(container, web)) == before  # nothing half-saved

    # a rate for a zone that does not exist: a message for the whole form
    r = await web.post("/admin/frete", data={**fields, "rates-0-zone": "NOPE"})
    assert r.status_code == 422 and "Há preços para uma zona que não existe." in r.text


async def test_the_form_is_for_staff_only(web: httpx.AsyncClient, container: Container) -> None:
    from .helpers import register

    await register(web, "curioso@example.com")
    r = await web.get("/admin/frete")
    assert r.status_code in (302, 303, 403) and 'id="shipping-form"' not in r.text
