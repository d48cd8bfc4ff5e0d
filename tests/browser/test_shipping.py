"""In a real browser: CEP on the product page → priced options → checkout with one → staff buy the label
and record tracking in the admin → the customer's order page shows the delivery timeline."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest

from .conftest import PASSWORD, LiveServer, Tab, make_staff_account, needs_browser
from .test_shop import assert_accessible, csp_errors, fill_card, register_in_browser

pytestmark = needs_browser


@pytest.fixture(params=["sqlite", "postgres"])
def shop(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[Tab, LiveServer]]:
    """The flow on SQLite and on PostgreSQL: a 390 px tab on that backend's live server."""
    live: LiveServer = request.getfixturevalue("live_server" if request.param == "sqlite" else "live_server_pg")
    context = browser.new_context(base_url=live.url, locale="pt-BR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield Tab(page, errors), live
    context.close()


def test_cep_options_checkout_label_and_delivery_timeline(shop: tuple[Tab, LiveServer], browser) -> None:
    tab, live_server = shop
    page = tab.page
    page.goto("/p/camiseta-organica-basica")
    page.fill("#p-cep", "69005-040")
    page.click("#product-cep button[type=submit]")
    page.wait_for_url(re.compile(r".*cep=69005-040.*"))
    options = page.locator("#shipping-options").inner_text()
    assert "Entrega padrão" in options and "R$ 44,90" in options and "dias úteis" in options and "kg CO₂e" in options
    tab.shot("30-product-shipping-options")
    assert_accessible(tab, "product with shipping options")

    page.check("input[name=sku][value='ECO-TSHIRT-001-M']")
    page.click("form.add-to-cart button[type=submit]")
    page.wait_for_url("**/carrinho?ok=added_to_cart")
    page.click("#go-checkout")
    page.wait_for_url("**/checkout*")
    page.click("#checkout-sign-in")  # a guest may buy too; this shopper makes an account
    page.wait_for_url("**/conta/entrar?next=/checkout")
    page.click("#register-link")
    register_in_browser(tab, f"frete-{uuid.uuid4().hex[:6]}@example.com")
    page.wait_for_url(re.compile(r".*/checkout\?ok=signed_in"))

    page.fill("#co-cep-lookup", "01310-100")
    page.click("#cep-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/checkout\?cep=01310-100"))
    assert page.locator("#co-state").input_value() == "SP"  # the CEP told the state
    page.check("#shipping-options li[data-service=express] input[name=shipping_option]")
    tab.shot("31-checkout-shipping-options")
    assert_accessible(tab, "checkout with shipping options")
    page.fill("#co-recipient", "Bia Lima")
    page.fill("#co-street", "Av. Paulista")
    page.fill("#co-number", "1000")
    page.fill("#co-city", "São Paulo")
    page.check("input[name=payment_method][value=card]")
    fill_card(tab, "4242 4242 4242 4242")
    page.click("#place-order")
    page.wait_for_url(re.compile(r".*/pedido/[0-9a-f-]+\?ok=order_placed"))
    order_url = page.url.split("?")[0]
    order_id = order_url.rsplit("/", 1)[1]
    assert "Entrega expressa" in page.locator("#order-shipping").inner_text()
    assert not csp_errors(tab), tab.console_errors

    # staff, in another browser context: buy the label, print it, record the tracking
    staff = make_staff_account(live_server, permissions=("manage_orders",))
    context = browser.new_context(base_url=live_server.url, locale="pt-BR", viewport={"width": 390, "height": 844})
    admin = context.new_page()
    admin.goto("/admin")
    admin.wait_for_url("**/admin/entrar?next=/admin")
    admin.fill("#login-email", staff["email"])
    admin.fill("#login-password", PASSWORD)
    admin.click("form[action='/admin/entrar'] button[type=submit]")
    admin.wait_for_selector("#mfa-code")
    totp: pyotp.TOTP = staff["totp"]
    admin.fill("#mfa-code", totp.at(datetime.now(UTC) + timedelta(seconds=30)))
    admin.click("form[action='/admin/entrar/mfa'] button[type=submit]")
    admin.wait_for_url(re.compile(r".*/admin\?ok=signed_in"))
    admin.goto(f"/admin/pedidos/{order_id}")
    admin.click("#create-shipment button[type=submit]")
    admin.wait_for_url(re.compile(r".*ok=saved"))
    shipment = admin.locator("#admin-shipments li").first
    assert "Entrega expressa" in shipment.inner_text() and "Etiqueta emitida" in shipment.inner_text()
    label_href = admin.locator("#admin-shipments a", has_text="Imprimir etiqueta").first.get_attribute("href")
    label = context.request.get(live_server.url + label_href)
    assert label.ok and "Bia Lima" in label.text()
    for status in ("posted", "out_for_delivery", "delivered"):
        admin.select_option("#admin-shipments select[name=status]", status)
        admin.click("#admin-shipments form button[type=submit]")
        admin.wait_for_url(re.compile(r".*ok=saved"))
    context.close()

    page.goto(order_url)
    for _ in range(50):  # the order follows the shipment through logistics-events (relay, consumer)
        page.goto(order_url)
        if page.locator("#order-status").get_attribute("data-status") == "delivered":
            break
        page.wait_for_timeout(200)
    assert page.locator("#order-status").get_attribute("data-status") == "delivered"
    timeline = page.locator(".timeline").first.inner_text()
    for step in ("Etiqueta emitida", "Postado", "Saiu para entrega", "Entregue"):
        assert step in timeline, timeline
    tab.shot("32-order-delivery-timeline")
    assert_accessible(tab, "order with delivery timeline")


def test_admin_shipping_form_at_390px(shop: tuple[Tab, LiveServer], browser) -> None:
    """Staff edit the shipping configuration as a form on a phone: a bad value is shown next to its field
    (typed value kept, nothing saved), the fixed form saves."""
    tab, live_server = shop
    staff = make_staff_account(live_server, permissions=("manage_orders",))
    admin = tab.page
    admin.set_default_timeout(60_000)  # the admin's first page warms the live server up
    admin.goto("/admin/frete")
    admin.wait_for_url("**/admin/entrar?next=/admin/frete")
    admin.fill("#login-email", staff["email"])
    admin.fill("#login-password", PASSWORD)
    admin.click("form[action='/admin/entrar'] button[type=submit]")
    admin.wait_for_selector("#mfa-code")
    totp: pyotp.TOTP = staff["totp"]
    admin.fill("#mfa-code", totp.at(datetime.now(UTC) + timedelta(seconds=30)))
    admin.click("form[action='/admin/entrar/mfa'] button[type=submit]")
    admin.wait_for_url(re.compile(r".*/admin/frete.*"))
    form = admin.locator("#shipping-form")
    box = form.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390, box  # no sideways scrolling on a phone
    original = admin.input_value("#f-zones-0-days_max")
    admin.fill("#f-zones-0-days_max", "99")
    admin.click("#save-shipping")
    admin.wait_for_selector("#err-zones-0-days_max")
    assert "Valor grande demais" in admin.locator("#err-zones-0-days_max").inner_text()
    assert admin.input_value("#f-zones-0-days_max") == "99"  # what was typed stays
    tab.shot("33-admin-shipping-form-error")
    admin.fill("#f-zones-0-days_max", original)
    admin.click("#save-shipping")
    admin.wait_for_url(re.compile(r".*/admin/frete\?ok=saved"))
    assert admin.input_value("#f-zones-0-days_max") == original
    tab.shot("34-admin-shipping-form-saved")
    assert not csp_errors(tab), tab.console_errors


@pytest.fixture
def correios_shop(shop: tuple[Tab, LiveServer]) -> Iterator[tuple[Tab, LiveServer]]:
    """The same live server with Correios enabled: the contract API's fake (its real HTTP API, as in
    tests/integration/logistics) and the shop's configuration naming PAC and SEDEX; put back afterwards."""
    import httpx

    from ecovarejo.logistics.plugin import install_logistics
    from ecovarejo.logistics.settings import LogisticsSettings
    from tests.integration.logistics.fakes import serve
    from tests.integration.logistics.fakes.correios import CorreiosFake

    tab, live = shop
    fake = CorreiosFake()
    with serve(fake.app()) as url:  # type: ignore[arg-type]
        install_logistics(
            live.container,
            LogisticsSettings(
                correios_api_base=url, correios_user="loja", correios_access_code="codigo-de-acesso",
                correios_postcard="0067599079", correios_contract="9912208555", carrier_timeout=5.0,
            ),
        )  # fmt: skip
        with httpx.Client(base_url=live.url, timeout=30) as c:
            before = c.get("/api/v1/admin/shipping/config", headers=live.root_headers()).json()["document"]
            doc = {**before, "carriers": {**before["carriers"], "correios": ["03298", "03220"]}}
            r = c.put("/api/v1/admin/shipping/config", headers=live.root_headers(), json=doc)
            assert r.status_code == 200, r.text
            try:
                yield tab, live
            finally:
                c.put("/api/v1/admin/shipping/config", headers=live.root_headers(), json=before)
                install_logistics(live.container)


def test_correios_pac_and_sedex_in_the_browser(correios_shop: tuple[Tab, LiveServer]) -> None:
    """With Correios on, the customer sees PAC and SEDEX next to the table rates, and checks out with SEDEX."""
    tab, _live = correios_shop
    page = tab.page
    page.goto("/p/camiseta-organica-basica")
    page.fill("#p-cep", "20040-002")
    page.click("#product-cep button[type=submit]")
    page.wait_for_url(re.compile(r".*cep=20040-002.*"))
    options = page.locator("#shipping-options")
    assert options.locator("li[data-carrier=correios][data-service='03298']").count() == 1
    assert options.locator("li[data-carrier=correios][data-service='03220']").count() == 1
    text = options.inner_text()
    assert "PAC" in text and "SEDEX" in text and "Entrega padrão" in text and "kg CO₂e" in text
    tab.shot("35-product-correios-options")
    assert_accessible(tab, "product with Correios options")

    page.check("input[name=sku][value='ECO-TSHIRT-001-M']")
    page.click("form.add-to-cart button[type=submit]")
    page.wait_for_url("**/carrinho?ok=added_to_cart")
    page.click("#go-checkout")
    page.wait_for_url("**/checkout*")
    page.click("#checkout-sign-in")
    page.wait_for_url("**/conta/entrar?next=/checkout")
    page.click("#register-link")
    register_in_browser(tab, f"correios-{uuid.uuid4().hex[:6]}@example.com")
    page.wait_for_url(re.compile(r".*/checkout\?ok=signed_in"))
    page.fill("#co-cep-lookup", "20040-002")
    page.click("#cep-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/checkout\?cep=20040-002"))
    sedex = page.locator("#shipping-options li[data-carrier=correios][data-service='03220']")
    assert "SEDEX" in sedex.inner_text()
    sedex.locator("input[name=shipping_option]").check()
    page.fill("#co-recipient", "Caio Reis")
    page.fill("#co-street", "Av. Rio Branco")
    page.fill("#co-number", "1")
    page.fill("#co-city", "Rio de Janeiro")
    page.check("input[name=payment_method][value=card]")
    fill_card(tab, "4242 4242 4242 4242")
    page.click("#place-order")
    page.wait_for_url(re.compile(r".*/pedido/[0-9a-f-]+\?ok=order_placed"))
    assert "SEDEX" in page.locator("#order-shipping").inner_text()
    assert not csp_errors(tab), tab.console_errors
