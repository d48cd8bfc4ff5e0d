"""3-D Secure in a real browser with the sandbox's challenge card (issue #19): the shopper is sent to the
sandbox issuer's page ("Autorizar"/"Recusar"), comes back to the shop's return page, and sees the order
paid (cart emptied) — or, after "Recusar", the order cancelled with nothing charged, the cart kept, and
another card paying. On a 390 px phone and a desktop, in pt-BR and English: axe clean, no horizontal
scroll, no CSP error, a screenshot of every step (outside the repository, see conftest)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from .conftest import LiveServer, Tab, needs_browser, new_cpf
from .test_shop import csp_errors, fill_card
from .test_walk import DESKTOP, PHONE, address, check

pytestmark = needs_browser

CHALLENGE_CARD = "4000 0027 6000 3184"
TEXT = {
    "pt-BR": {"approve": "Autorizar", "refuse": "Recusar", "paid": "Pago", "cancelled": "Cancelado",
              "refused": "O banco não confirmou a autenticação do cartão"},
    "en": {"approve": "Authorize", "refuse": "Decline", "paid": "Paid", "cancelled": "Cancelled",
           "refused": "The bank did not confirm the card's authentication"},
}  # fmt: skip


def _open(browser: Any, live: LiveServer, device: dict[str, int], lang: str) -> tuple[Any, Tab]:
    context = browser.new_context(base_url=live.url, locale=lang, viewport=device)
    page = context.new_page()
    page.set_default_timeout(20_000)
    tab = Tab(page, [])
    page.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: tab.console_errors.append(str(e)))
    return context, tab


def _checkout_as_guest(tab: Tab, lang: str, card: str) -> None:
    page = tab.page
    page.goto(f"/p/camiseta-organica-basica?lang={lang}")
    page.check("input[name=sku][value='ECO-TSHIRT-001-M']")
    page.click("form.add-to-cart button[type=submit]")
    page.wait_for_url("**/carrinho?ok=added_to_cart")
    page.click("#go-checkout")
    page.wait_for_url("**/checkout*")
    page.fill("#co-first_name", "Bia")
    page.fill("#co-last_name", "Lima")
    page.fill("#co-email", f"tresds-{uuid.uuid4().hex[:6]}@example.com")
    page.fill("#co-cpf", new_cpf())
    page.check("input[name=accept_terms]")
    page.check("input[name=accept_privacy]")
    address(tab)
    page.check("input[name=payment_method][value=card]")
    fill_card(tab, card)
    page.click("#place-order")
    page.wait_for_url(re.compile(r".*/sandbox-pay/v1/challenge/sbx_[0-9a-f]{32}$"))


@pytest.mark.parametrize(
    ("device", "lang"), [(PHONE, "pt-BR"), (DESKTOP, "en")], ids=["mobile-pt-BR", "desktop-en"]
)  # fmt: skip
def test_a_passed_challenge_pays_the_order(browser: Any, live_server: LiveServer, device: dict[str, int], lang: str):
    words, tag = TEXT[lang], f"3ds-pass-{device['width']}-{lang}"
    context, tab = _open(browser, live_server, device, lang)
    page = tab.page
    _checkout_as_guest(tab, lang, CHALLENGE_CARD)
    assert page.locator("#challenge-approve").inner_text() == words["approve"]
    assert page.locator("#challenge-refuse").inner_text() == words["refuse"]
    assert "3184" in page.locator("#challenge-intro").inner_text()
    check(tab, f"{tag}-01-challenge")

    page.click("#challenge-approve")
    page.wait_for_url(re.compile(r".*/pedido/[0-9a-f-]+\?ok=order_placed"))
    assert page.locator("#order-status").inner_text() == words["paid"]
    check(tab, f"{tag}-02-paid")
    page.goto("/carrinho")
    assert page.locator("#cart-lines").count() == 0  # bought: the cart is emptied
    page.go_back()
    assert not csp_errors(tab), tab.console_errors
    context.close()


def test_a_failed_challenge_cancels_and_another_card_pays(browser: Any, live_server: LiveServer) -> None:
    lang, words, tag = "pt-BR", TEXT["pt-BR"], "3ds-fail-390-pt-BR"
    context, tab = _open(browser, live_server, PHONE, lang)
    page = tab.page
    _checkout_as_guest(tab, lang, CHALLENGE_CARD)
    check(tab, f"{tag}-01-challenge")
    page.click("#challenge-refuse")
    page.wait_for_url(re.compile(r".*/pedido/[0-9a-f-]+\?err=card_authentication_failed"))
    cancelled = page.url.split("/pedido/")[1].split("?")[0]
    assert page.locator("#order-status").inner_text() == words["cancelled"]
    assert words["refused"] in page.locator("main").inner_text()
    check(tab, f"{tag}-02-cancelled")

    # the cart is still there: checkout again with another card (a new attempt), paid
    page.goto("/carrinho")
    assert "ECO-TSHIRT-001-M" in page.locator("#cart-lines").inner_text()
    page.click("#go-checkout")
    page.wait_for_url("**/checkout*")
    if not page.locator("#co-recipient").input_value():
        address(tab)
    page.check("input[name=payment_method][value=card]")
    fill_card(tab, "4242 4242 4242 4242")
    page.click("#place-order")
    page.wait_for_url(re.compile(r".*/pedido/[0-9a-f-]+\?ok=order_placed"))
    assert page.url.split("/pedido/")[1].split("?")[0] != cancelled
    assert page.locator("#order-status").inner_text() == words["paid"]
    check(tab, f"{tag}-03-retried-paid")
    page.goto(f"/pedido/{cancelled}")
    assert page.locator("#order-status").inner_text() == words["cancelled"]  # never charged
    assert not csp_errors(tab), tab.console_errors
    context.close()
