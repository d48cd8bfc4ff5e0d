"""The quote (RFQ) walk in Chromium, at a desktop's width and a 390 px phone's (pt-BR): a company buyer
sees its own price in the cart, asks for a quote; staff signed in with MFA price and send it; the buyer
accepts and buys it on 30-day invoiced terms with a PO number; the order page shows the invoice and PO,
and the NF-e that the fiscal context issued through the fake Focus NFe (DANFE and XML, the PO inside)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from ecovarejo.fiscal.plugin import install_nfe
from ecovarejo.fiscal.settings import FiscalSettings
from tests.integration.fiscal.fakes.focusnfe import TOKEN, FocusNfeFake
from tests.integration.payments_providers.fakes import serve
from tests.support import eventually

from .conftest import PASSWORD, LiveServer, Tab, make_staff_account, needs_browser, run_async
from .test_every_page import new_cnpj
from .test_walk import no_sideways_scroll

pytestmark = needs_browser

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def company_buyer(live: LiveServer) -> str:
    """A company account with its own price list (-10 % on the plain T-shirt) and 30-day invoiced terms."""
    email = f"compras-{uuid.uuid4().hex[:6]}@example.com"
    cnpj = new_cnpj()
    with httpx.Client(base_url=live.url, timeout=30) as c:
        body = {"email": email, "password": PASSWORD, "first_name": "Bia", "last_name": "Lima", "accept_terms": True,
                "accept_privacy": True, "company": {"cnpj": cnpj, "legal_name": "Lima Compras Ltda",
                                                    "state_registration": "ISENTO"}}  # fmt: skip
        r = c.post("/api/v1/auth/register", json=body)
        assert r.status_code == 201, r.text
        root = live.root_headers()
        rules = [{"sku": "TSHIRT-002", "kind": "percent", "value": "10"}]
        r = c.post("/api/v1/admin/b2b/price-lists", headers=root,
                   json={"name": "Atacado", "company_id": r.json()["company_id"], "rules": rules})  # fmt: skip
        assert r.status_code == 201, r.text
        r = c.put("/api/v1/admin/b2b/credit-accounts", headers=root,
                  json={"cnpj": cnpj, "terms": "30", "credit_limit": "5000.00"})  # fmt: skip
        assert r.status_code == 200, r.text
    return email


@pytest.fixture(scope="module")
def focus_nfe(live_server: LiveServer) -> Iterator[FocusNfeFake]:
    """The fake Focus NFe plugged into the live server for this module (then unplugged again), with the
    shop's issuer CNPJ and the T-shirt's NCM."""
    container = live_server.container
    before = container.ports.get(FiscalSettings)
    fake = FocusNfeFake()
    with serve(fake.app()) as url:
        install_nfe(container, FiscalSettings(focusnfe_api_base=url, focusnfe_token=TOKEN, nfe_timeout=5.0))
        with httpx.Client(base_url=live_server.url, timeout=30) as c:
            root = live_server.root_headers()
            current = c.get("/api/v1/admin/fiscal/settings", headers=root).json()
            keep = {k: current.get(k) for k in ("origin_state", "regime", "simples_icms_rate", "tax_inclusive",
                                                "internal_rates") if current.get(k) is not None}  # fmt: skip
            r = c.put("/api/v1/admin/fiscal/settings", headers=root, json={**keep, "issuer_cnpj": "11222333000181"})
            assert r.status_code == 200, r.text
            r = c.put("/api/v1/admin/fiscal/products/TSHIRT-002", json={"ncm": "61091000"}, headers=root)
            assert r.status_code == 200, r.text
        try:
            yield fake
        finally:
            install_nfe(container, before)


def tab_of(browser: Any, live: LiveServer, viewport: dict[str, int]) -> Tab:
    context = browser.new_context(base_url=live.url, locale="pt-BR", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return Tab(page, errors)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_company_buyer_requests_a_quote_staff_send_it_buyer_accepts_and_buys_on_terms(
    browser: Any, live_server: LiveServer, focus_nfe: FocusNfeFake, size: str
) -> None:
    viewport = VIEWPORTS[size]
    email = company_buyer(live_server)
    staff = make_staff_account(live_server, ("manage_orders",))
    buyer = tab_of(browser, live_server, viewport)
    page = buyer.page

    # the buyer: its own price in the cart, then "Pedir cotação" for 10 units with a note
    page.goto("/conta/entrar")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.click("form[action='/conta/entrar'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/conta\?ok=signed_in"))
    page.goto("/p/camiseta-comum")
    page.click("form.add-to-cart button[type=submit]")
    page.wait_for_url("**/carrinho?ok=added_to_cart")
    assert "R$ 35,91" in page.locator("main").inner_text()  # 39,90 - 10 %
    page.click("#quote-request summary")
    page.fill("#rq-1", "10")
    page.fill("#rq-note", "Entrega em janeiro, por favor")
    no_sideways_scroll(buyer, f"{size} cart with the quote form")
    buyer.shot(f"quote-{size}-1-cart")
    page.click("#quote-request-submit")
    page.wait_for_url(re.compile(r".*/conta/cotacoes/[0-9a-f-]+\?ok=quote_requested"))
    quote_url = page.url.split("?")[0]
    assert "Aguardando preços" in page.locator("#quote-status").inner_text()
    no_sideways_scroll(buyer, f"{size} requested quote")

    # staff with MFA: the queue, the quote priced with terms and a validity date, sent
    desk = tab_of(browser, live_server, viewport)
    admin = desk.page
    admin.goto("/admin/entrar")
    admin.fill("#login-email", staff["email"])
    admin.fill("#login-password", PASSWORD)
    admin.click("form[action='/admin/entrar'] button[type=submit]")
    admin.fill("#mfa-code", staff["totp"].at(datetime.now(UTC) + timedelta(seconds=30)))
    admin.click("form[action='/admin/entrar/mfa'] button[type=submit]")
    admin.wait_for_url(re.compile(r".*/admin\?ok=signed_in"))
    admin.goto("/admin/cotacoes?status=requested")
    admin.click(f"a[href='{quote_url.replace(live_server.url, '').replace('/conta/', '/admin/')}']")
    admin.fill("#qp-1", "30,00")
    admin.fill("#q-terms", "30 dias, faturado")
    admin.fill("#q-valid", (date.today() + timedelta(days=10)).isoformat())
    admin.fill("#q-note", "Frete incluso")
    no_sideways_scroll(desk, f"{size} staff quote editor")
    desk.shot(f"quote-{size}-2-staff")
    admin.click("#quote-send")
    admin.wait_for_url(re.compile(r".*/admin/cotacoes/[0-9a-f-]+\?ok=quote_sent"))
    assert "Cotação enviada ao cliente." in admin.locator("main").inner_text()
    desk.page.context.close()

    # the buyer accepts (stock held) and buys it on 30-day invoiced terms with a PO number
    page.goto(quote_url)
    text = page.locator("main").inner_text()
    assert "R$ 30,00" in text and "R$ 300,00" in text and "30 dias, faturado" in text
    page.click("#quote-accept")
    page.wait_for_url(re.compile(r".*\?ok=quote_accepted"))
    page.fill("#qb-recipient", "Bia Lima")
    page.fill("#qb-postal_code", "01310-100")
    page.fill("#qb-street", "Av. Paulista")
    page.fill("#qb-number", "1000")
    page.fill("#qb-city", "São Paulo")
    page.select_option("#qb-state", "SP")
    page.fill("#qb-po", "PO-2026/77")
    page.check("input[name=payment_method][value=invoice]")
    no_sideways_scroll(buyer, f"{size} accepted quote with the purchase form")
    buyer.shot(f"quote-{size}-3-accepted")
    page.click("#quote-buy-submit")
    page.wait_for_url(re.compile(r".*/pedido/[0-9a-f-]+\?ok=order_placed"))
    invoice = page.locator("#order-invoice").inner_text()
    assert "PO-2026/77" in invoice and "30" in invoice
    assert "R$ 300,00" in page.locator("main").inner_text()
    no_sideways_scroll(buyer, f"{size} order on terms")
    buyer.shot(f"quote-{size}-4-order")

    # the NF-e (issued for the order confirmed on terms) downloads from the order page: DANFE and XML
    order_id = page.url.split("/pedido/")[1].split("?")[0]

    async def authorized() -> bool:
        async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as c:
            r = await c.get(f"/api/v1/admin/fiscal/nfe/{order_id}", headers=live_server.root_headers())
            return r.status_code == 200 and r.json()["status"] == "authorized"

    run_async(lambda: eventually(authorized, timeout=60, message="the NF-e is authorized"))
    page.reload()
    with page.expect_download() as danfe:
        page.click(f"a[href='/pedido/{order_id}/danfe.pdf']")
    assert danfe.value.suggested_filename.endswith(".pdf")
    xml = page.request.get(f"/pedido/{order_id}/nfe.xml")
    assert xml.status == 200 and b"nfeProc" in xml.body() and b"PO-2026/77" in xml.body()
    buyer.shot(f"quote-{size}-5-nfe")
    page.goto(quote_url)
    assert "Pedido feito" in page.locator("#quote-status").inner_text()
    page.context.close()
