"""The storefront's frame (issue #19, point 4): the header's category menu, filters in a drawer, the
phone's add-to-cart bar, the footer's company identification that administrators edit; and the
checkout's saved addresses, coupon removal and points balance (point 2)."""

from __future__ import annotations

import re

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, token_for

from .catalog_fixture import make_catalog
from .helpers import csrf_from, make_staff, register


async def test_company_identification_is_edited_and_shown_in_every_footer(
    web: httpx.AsyncClient, container: Container
) -> None:
    await make_catalog(web, container)
    assert 'id="company-id"' not in (await web.get("/")).text  # nothing configured: nothing invented
    await make_staff(web, container, "dona@example.com")
    form = await web.get("/admin/loja")
    assert form.status_code == 200 and 'href="/admin/loja"' in form.text
    fields = {
        "csrf_token": csrf_from(form.text),
        "legal_name": "Verde Vivo Comércio Ltda.",
        "cnpj": "12.345.678/0001-00",
        "address": "Rua Augusta, 10 — São Paulo/SP",
        "email": "contato@verdevivo.example",
        "phone": "(11) 3000-0000",
        "returns_policy": "Troca em 30 dias.\n\nDevolução grátis.",
    }
    bad = await web.post("/admin/loja", data=fields)
    assert bad.status_code == 422 and 'id="co-cnpj-err">CNPJ inválido' in bad.text
    assert 'value="Verde Vivo Comércio Ltda."' in bad.text
    ok = await web.post("/admin/loja", data={**fields, "cnpj": "12.345.678/0001-95"})
    assert ok.status_code == 303
    for path in ("/", "/c/vestuario", "/p/camiseta-comum", "/carrinho", "/privacidade"):
        footer = (await web.get(path)).text.split('<footer class="container site-footer">')[1]
        assert "Verde Vivo Comércio Ltda." in footer and "12.345.678/0001-95" in footer, path
        assert "Rua Augusta, 10" in footer and 'href="mailto:contato@verdevivo.example"' in footer, path
        assert 'href="/trocas-e-devolucoes"' in footer, path
    returns = await web.get("/trocas-e-devolucoes")
    assert "<p>Troca em 30 dias.</p>" in returns.text and "<p>Devolução grátis.</p>" in returns.text
    english = await web.get("/trocas-e-devolucoes?lang=en")
    assert "Exchanges and returns" in english.text


async def test_header_menu_filter_drawer_and_the_phone_buy_bar(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    home = (await web.get("/")).text
    header = home[home.index("<header") : home.index("</header>")]
    assert 'class="cat-menu-mobile"' in header and 'class="cat-menu-desktop"' in header
    assert header.count('href="/c/vestuario"') == 2  # the phone's disclosure and the desktop row
    category = (await web.get("/c/vestuario")).text
    assert '<details class="filters-drawer" data-drawer>' in category  # closed: results come first on phones
    assert 'aria-current="page">Vestuário</a>' in category
    product = (await web.get("/p/camiseta-comum")).text
    assert 'id="buy-bar"' in product and '<button type="submit" form="add-to-cart">' in product
    admin_page = (await web.get("/admin/entrar")).text
    assert "cat-nav" not in admin_page


async def test_checkout_offers_saved_addresses_coupon_removal_and_the_points_balance(
    web: httpx.AsyncClient, container: Container
) -> None:
    await make_catalog(web, container)
    await register(web, "enderecos@example.com")
    me = bearer(web.cookies.get("ev_access") or "")
    for label, street, city, uf, cep, default in (
        ("Casa", "Rua A, 1", "Belo Horizonte", "MG", "30110-000", True),
        ("Trabalho", "Av. Paulista, 1000", "São Paulo", "SP", "01310-100", False),
    ):
        body = {"label": label, "recipient_name": "Ana", "address_line1": street, "city": city, "state": uf}
        r = await web.post(
            "/api/v1/users/addresses", json={**body, "postal_code": cep, "is_default": default}, headers=me
        )
        assert r.status_code == 201, r.text
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    r = await web.post("/api/v1/admin/coupons", json={"code": "VERDE5", "kind": "percent", "value": "5"}, headers=root)
    assert r.status_code == 201, r.text
    product = await web.get("/p/camiseta-comum")
    token = csrf_from(product.text)
    await web.post("/carrinho/itens", data={"csrf_token": token, "sku": "TSHIRT-002", "quantity": "1"})
    applied = await web.post("/carrinho/cupom", data={"csrf_token": token, "coupon": "verde5", "next": "/checkout"})
    assert applied.headers["location"] == "/checkout?ok=coupon_applied"
    page = await web.get("/checkout")
    assert 'id="applied-coupons"' in page.text and "<strong>VERDE5</strong>" in page.text
    assert 'id="saved-addresses"' in page.text and 'id="loyalty-balance"><small>Você tem 0 pontos.' in page.text
    assert 'value="Rua A, 1"' in page.text  # the default address first
    work = re.search(r'href="(/checkout\?endereco=[0-9a-f-]{36})">Trabalho', page.text)
    assert work, page.text
    chosen = await web.get(work.group(1))
    assert 'value="Av. Paulista, 1000"' in chosen.text and 'value="01310-100"' in chosen.text
    removed = await web.post(
        "/carrinho/cupom/remover", data={"csrf_token": token, "coupon": "VERDE5", "next": "/checkout"}
    )
    assert removed.headers["location"] == "/checkout?ok=coupon_removed"
    after = await web.get(removed.headers["location"])
    assert "Cupom removido." in after.text and 'id="applied-coupons"' not in after.text
