"""The walk of issue #19, on a 1366 px desktop and on a 390 px phone, each in pt-BR and in English: a guest buys with a
tokenized card in 3x, is declined once and retries; a registered customer pays by Pix; staff ships from
the order page and refunds with a confirmation. Every page: axe clean, no horizontal scroll, a
screenshot (outside the repository, see conftest)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from .conftest import PASSWORD, LiveServer, Tab, make_staff_account, needs_browser, new_cpf
from .test_shop import assert_accessible, csp_errors, fill_card

pytestmark = needs_browser

TEXT = {
    "pt-BR": {"declined": "Cartão recusado", "pix_copy": "Copiar", "refund": "Reembolsar", "paid": "Pago"},
    "en": {"declined": "Card declined", "pix_copy": "Copy", "refund": "Refund", "paid": "Paid"},
}


def no_sideways_scroll(tab: Tab, name: str) -> None:
    """The page is no wider than the viewport; otherwise the elements that stick out are named."""
    wide = tab.page.evaluate(
        """() => {
          const w = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= w) return [];
          return [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > w + 1)
            .slice(0, 8)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.')
                      + ' ' + Math.round(e.getBoundingClientRect().right));
        }"""
    )
    assert not wide, f"{name}: wider than the viewport: {wide}"


def check(tab: Tab, name: str) -> None:
    tab.shot(name)
    no_sideways_scroll(tab, name)
    assert_accessible(tab, name)


def address(tab: Tab) -> None:
    page = tab.page
    page.fill("#co-recipient", "Bia Lima")
    page.fill("#co-postal_code", "01310-100")
    page.fill("#co-street", "Av. Paulista")
    page.fill("#co-number", "1000")
    page.fill("#co-city", "São Paulo")
    page.select_option("#co-state", "SP")


def register_customer(live: LiveServer) -> str:
    email = f"pix-{uuid.uuid4().hex[:6]}@example.com"
    with httpx.Client(base_url=live.url, timeout=30) as c:
        r = c.post(
            "/api/v1/auth/register",
            json={
                "email": email,
                "password": PASSWORD,
                "first_name": "Caio",
                "last_name": "Reis",
                "accept_terms": True,
                "accept_privacy": True,
            },
        )
        assert r.status_code == 201, r.text
    return email  # fmt: skip


DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


@pytest.mark.parametrize(
    ("device", "lang"), [(DESKTOP, "pt-BR"), (PHONE, "en"), (DESKTOP, "en"), (PHONE, "pt-BR")],
    ids=["desktop-pt-BR", "mobile-en", "desktop-en", "mobile-pt-BR"],
)  # fmt: skip
def test_walk(browser: Any, live_server: LiveServer, device: dict[str, int], lang: str) -> None:
    words = TEXT[lang]
    tag = f"walk-{device['width']}-{lang}"
    context = browser.new_context(base_url=live_server.url, locale=lang, viewport=device)
    page = context.new_page()
    page.set_default_timeout(20_000)
    tab = Tab(page, [])
    page.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)

    # 1. a guest buys with a tokenized card in 3x; the first card is declined, another one pays
    page.goto(f"/p/camiseta-organica-basica?lang={lang}")
    check(tab, f"{tag}-01-product")
    page.check("input[name=sku][value='ECO-TSHIRT-001-M']")
    page.click("form.add-to-cart button[type=submit]")
    page.wait_for_url("**/carrinho?ok=added_to_cart")
    check(tab, f"{tag}-02-cart")
    page.click("#go-checkout")
    page.wait_for_url("**/checkout*")
    page.fill("#co-first_name", "Bia")
    page.fill("#co-last_name", "Lima")
    page.fill("#co-email", f"guest-{uuid.uuid4().hex[:6]}@example.com")
    page.fill("#co-cpf", new_cpf())
    page.check("input[name=accept_terms]")
    page.check("input[name=accept_privacy]")
    address(tab)
    page.check("input[name=payment_method][value=card]")
    page.select_option("#co-installments", "3")
    fill_card(tab, "4000 0000 0000 0002")
    check(tab, f"{tag}-03-checkout-guest")
    page.click("#place-order")
    page.wait_for_selector(f"#card-error:has-text('{words['declined']}')")
    check(tab, f"{tag}-04-declined")
    fill_card(tab, "4242 4242 4242 4242")
    page.click("#place-order")
    page.wait_for_url(re.compile(r".*/pedido/[0-9a-f-]+\?ok=order_placed"))
    guest_order = page.url.split("/pedido/")[1].split("?")[0]
    assert page.locator("#order-status").inner_text() == words["paid"]
    check(tab, f"{tag}-05-guest-order")
    assert not csp_errors(tab), tab.console_errors
    context.clear_cookies()

    # 2. a registered customer pays by Pix: the QR, the copy-and-paste code and its copy button
    email = register_customer(live_server)
    page.goto(f"/conta/entrar?lang={lang}")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.click("form[action='/conta/entrar'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/conta\?ok=signed_in"))
    page.goto("/p/camiseta-comum")
    page.click("form.add-to-cart button[type=submit]")
    page.wait_for_url("**/carrinho?ok=added_to_cart")
    page.goto("/checkout?uf=SP")
    address(tab)
    page.check("input[name=payment_method][value=pix]")
    page.click("#place-order")
    page.wait_for_url(re.compile(r".*/pedido/[0-9a-f-]+\?ok=order_placed"))
    assert page.locator("#order-status").get_attribute("data-status") == "awaiting_payment"
    assert page.locator("#pix-code").input_value().startswith("000201")
    assert page.locator("#copy-pix").inner_text() == words["pix_copy"]
    check(tab, f"{tag}-06-pix-order")
    context.clear_cookies()

    # 3. staff ship the guest's order from its page and refund part of it, confirming first
    staff = make_staff_account(live_server, ("manage_orders", "handle_payments", "manage_users"))
    page.goto(f"/admin/entrar?lang={lang}")
    page.fill("#login-email", staff["email"])
    page.fill("#login-password", PASSWORD)
    page.click("form[action='/admin/entrar'] button[type=submit]")
    page.fill("#mfa-code", staff["totp"].at(datetime.now(UTC) + timedelta(seconds=30)))
    page.click("form[action='/admin/entrar/mfa'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin\?ok=signed_in"))
    page.goto(f"/admin/pedidos/{guest_order}")
    assert "Av. Paulista, 1000" in page.locator("#order-ship-to").inner_text()
    assert "Bia Lima" in page.locator("#order-customer").inner_text()
    check(tab, f"{tag}-07-admin-order")
    page.click("#create-shipment button[type=submit]")
    page.wait_for_url(re.compile(r".*ok=saved"))
    assert page.locator("#admin-shipments li").count() == 1
    page.fill("#rf-amount", "10,00")
    page.fill("#rf-reason", "avaria")
    page.click("form[action$='/reembolsar'] button[type=submit]")
    page.wait_for_selector("#refund-confirm")
    assert "10,00" in page.locator("#refund-summary").inner_text()
    check(tab, f"{tag}-08-refund-confirm")
    page.click("#refund-confirm button[type=submit]")
    page.wait_for_url(re.compile(r".*ok=refund_done"))
    assert re.search(r"10[,.]00", page.locator("main dl").first.inner_text())
    check(tab, f"{tag}-09-refunded")
    assert not csp_errors(tab), tab.console_errors
    context.close()
