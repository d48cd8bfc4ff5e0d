"""The admin's daily pages (issue #19, point 5): the stock list with its filters and adjustments that
refuse unknown SKUs; coupons edited, deactivated and reactivated; a customer with their orders."""

from __future__ import annotations

import re

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, token_for

from .catalog_fixture import make_catalog
from .helpers import csrf_from, make_staff, register


def _stock_rows(html: str) -> list[tuple[str, str, int]]:
    """(sku, warehouse, available) of the stock table."""
    rows = re.findall(
        r"<tr><td><a [^>]*>([^<]+)</a></td><td>([^<]+)</td><td>\d+</td><td>\d+</td><td>(-?\d+)</td>", html
    )
    return [(s, w, int(a)) for s, w, a in rows]


async def test_stock_list_filters_and_adjustments_refuse_unknown_skus(
    web: httpx.AsyncClient, container: Container
) -> None:
    await make_catalog(web, container)
    await make_staff(web, container, "estoque@example.com", user_type="customer", permissions=("manage_products",))
    page = await web.get("/admin/estoque")
    token = csrf_from(page.text)
    await web.post("/admin/estoque/depositos", data={"csrf_token": token, "code": "RJ1", "name": "Rio", "state": "RJ"})
    adjust = {"csrf_token": token, "sku": "ECO-TSHIRT-001-M", "warehouse": "RJ1", "delta": "2", "reorder_level": "5"}
    assert (await web.post("/admin/estoque/ajustar", data=adjust)).status_code == 303
    out = {"csrf_token": token, "sku": "TSHIRT-002", "warehouse": "SP1", "delta": "-20"}
    assert (await web.post("/admin/estoque/ajustar", data=out)).status_code == 303

    everything = _stock_rows((await web.get("/admin/estoque?state=all")).text)
    assert ("ECO-TSHIRT-001-G", "SP1", 20) in everything and ("ECO-TSHIRT-001-M", "RJ1", 2) in everything
    assert _stock_rows((await web.get("/admin/estoque?state=low")).text) == [("ECO-TSHIRT-001-M", "RJ1", 2)]
    assert _stock_rows((await web.get("/admin/estoque?state=out")).text) == [("TSHIRT-002", "SP1", 0)]
    assert _stock_rows((await web.get("/admin/estoque?state=all&warehouse=RJ1")).text) == [
        ("ECO-TSHIRT-001-M", "RJ1", 2)
    ]
    by_prefix = _stock_rows((await web.get("/admin/estoque?state=all&sku=ECO-TSHIRT")).text)
    assert {s for s, _, _ in by_prefix} == {"ECO-TSHIRT-001-M", "ECO-TSHIRT-001-G"}

    # a SKU the catalog does not sell: refused in pt-BR next to the field, typed values kept, no stock
    typo = {"csrf_token": token, "sku": "ECO-TSHIRT-01-M", "warehouse": "RJ1", "delta": "7", "reason": "recebido"}
    r = await web.post("/admin/estoque/ajustar", data=typo)
    assert r.status_code == 404
    assert 'id="adj-sku-err">Esse SKU não está no catálogo' in r.text
    assert 'value="ECO-TSHIRT-01-M"' in r.text and 'value="7"' in r.text and 'value="recebido"' in r.text
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    assert (await web.get("/api/v1/admin/inventory/stock/ECO-TSHIRT-01-M", headers=root)).json()["items"] == []
    # removing more than is free: the message says how many are free
    r = await web.post("/admin/estoque/ajustar", data={**typo, "sku": "ECO-TSHIRT-001-M", "delta": "-3"})
    assert r.status_code == 409 and 'id="adj-delta-err">Não dá para tirar mais do que o disponível (2' in r.text
    r = await web.post("/admin/estoque/ajustar", data={**typo, "delta": "dois"})
    assert r.status_code == 422 and 'id="adj-delta-err">Informe um número inteiro' in r.text
    # the API refuses it too (test_inventory.py has the details)
    r = await web.post(
        "/api/v1/admin/inventory/adjust",
        json={"sku": "NOVO-1", "warehouse": "SP1", "delta": 1, "reason": "x"},
        headers=root,
    )
    assert r.status_code == 404 and r.json()["code"] == "unknown_sku"
    english = await web.get("/admin/estoque?state=out&lang=en")
    assert 'id="stock-filters"' in english.text and "Out of stock" in english.text


async def test_coupons_are_edited_deactivated_and_reactivated(web: httpx.AsyncClient, container: Container) -> None:
    await make_staff(web, container, "cupons@example.com", user_type="customer", permissions=("manage_orders",))
    page = await web.get("/admin/cupons")
    token = csrf_from(page.text)
    bad = await web.post(
        "/admin/cupons", data={"csrf_token": token, "code": "verao", "kind": "percent", "value": "150"}
    )
    assert bad.status_code == 422
    assert 'value="verao"' in bad.text and 'id="cp-value-err">Valor inválido' in bad.text
    ok = await web.post(
        "/admin/cupons", data={"csrf_token": token, "code": "verao", "kind": "percent", "value": "15", "max_uses": "10"}
    )
    assert ok.status_code == 303, ok.text
    listing = await web.get("/admin/cupons")
    assert "<td>Percentual</td>" in listing.text
    link = re.search(r'href="(/admin/cupons/[0-9a-f-]{36})">VERAO</a>', listing.text)
    assert link, listing.text
    edit = await web.get(link.group(1))
    assert edit.status_code == 200 and 'value="15.00"' in edit.text
    fields = {
        "csrf_token": token,
        "value": "20",
        "max_uses": "50",
        "ends_at": "2030-12-31",
        "description": "Verão verde",
        "stackable": "on",
    }
    assert (await web.post(link.group(1), data=fields)).status_code == 303
    refused = await web.post(link.group(1), data={**fields, "starts_at": "2031-01-01"})
    assert refused.status_code == 422 and 'id="cp-ends_at-err">A data final deve ser depois' in refused.text
    assert 'value="2031-01-01"' in refused.text
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    [coupon] = (await web.get("/api/v1/admin/coupons", headers=root)).json()["items"]
    assert coupon["value"] == "20.00" and coupon["max_uses"] == 50 and coupon["stackable"] is True
    assert coupon["description"] == "Verão verde" and coupon["ends_at"].startswith("2031-01-01T02:59:59")
    assert coupon["starts_at"] is None
    r = await web.post(f"{link.group(1)}/desativar", data={"csrf_token": token})
    assert r.status_code == 303
    assert (await web.get("/api/v1/admin/coupons", headers=root)).json()["items"][0]["is_active"] is False
    assert f'action="{link.group(1)}/ativar"' in (await web.get("/admin/cupons")).text
    await web.post(f"{link.group(1)}/ativar", data={"csrf_token": token})
    assert (await web.get("/api/v1/admin/coupons", headers=root)).json()["items"][0]["is_active"] is True


async def test_a_customer_page_lists_their_orders(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    shopper = httpx.AsyncClient(transport=web._transport, base_url="https://testserver")
    async with shopper:
        await register(shopper, "compradora@example.com", first_name="Beatriz")
        product = await shopper.get("/p/camiseta-comum")
        await shopper.post(
            "/carrinho/itens", data={"csrf_token": csrf_from(product.text), "sku": "TSHIRT-002", "quantity": "1"}
        )
        checkout = await shopper.get("/checkout?uf=MG")
        placed = await shopper.post(
            "/checkout",
            data={
                "csrf_token": csrf_from(checkout.text),
                "idempotency_key": "cliente-1",
                "recipient": "Beatriz",
                "postal_code": "30110-000",
                "street": "Av. Afonso Pena",
                "number": "1",
                "city": "Belo Horizonte",
                "state": "MG",
                "payment_method": "pix",
            },
        )
        assert placed.status_code == 303, placed.text
    await make_staff(web, container, "atendimento@example.com")
    listing = await web.get("/admin/clientes?q=compradora")
    link = re.search(r'href="(/admin/clientes/[0-9a-f-]{36})">compradora@example.com</a>', listing.text)
    assert link, listing.text
    page = await web.get(link.group(1))
    assert page.status_code == 200
    assert 'id="customer-contact"><a href="mailto:compradora@example.com">' in page.text
    orders = page.text[page.text.index('id="customer-orders"') :]
    assert re.search(
        r'<a href="/admin/pedidos/[0-9a-f-]{36}">[^<]+</a></td><td>[^<]+</td><td>Aguardando pagamento</td>', orders
    )
    # staff who may see customers but not orders get the contact and a note
    other = httpx.AsyncClient(transport=web._transport, base_url="https://testserver")
    async with other:
        await make_staff(
            other, container, "so-clientes@example.com", user_type="customer", permissions=("manage_users",)
        )
        limited = await other.get(link.group(1))
        assert limited.status_code == 200 and "exige a permissão de gerenciar pedidos" in limited.text
