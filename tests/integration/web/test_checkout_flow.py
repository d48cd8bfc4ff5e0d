"""The web checkout without dead ends (issue #19): a guest buys with e-mail and CPF, errors come back in
pt-BR next to their field with what was typed kept, a declined card is retried with another under a new
idempotency key (the order is charged once), and "Esqueci minha senha" reaches the reset flow."""

from __future__ import annotations

import re
from datetime import date

import httpx

from ecovarejo.core.container import Container

from .catalog_fixture import make_catalog
from .helpers import csrf_from
from .test_storefront import main_of

CPF = "529.982.247-25"


def key_of(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def token(web: httpx.AsyncClient, number: str) -> str:
    r = await web.post(
        "/sandbox-pay/v1/tokens",
        json={"number": number, "exp_month": "12", "exp_year": str(date.today().year + 3), "cvc": "123",
              "holder": "BIA LIMA"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    return str(r.json()["id"])


async def test_guest_checkout_declined_card_then_another_card_in_3x(web: httpx.AsyncClient, container: Container):
    await make_catalog(web, container)
    page = await web.get("/p/camiseta-organica-basica")
    await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M",
                                            "quantity": "2"})  # fmt: skip
    checkout = await web.get("/checkout?uf=SP")
    assert checkout.status_code == 200, checkout.text
    html = main_of(checkout.text)
    # the guest form, the provider's card form (inputs without a name), the interest-free plan
    assert 'id="guest-fieldset"' in html and 'href="/conta/esqueci-senha"' in html
    assert 'data-provider="sandbox"' in html and '<script src="/sandbox-pay/v1/sandbox-pay.js" defer>' in checkout.text
    card_inputs = re.findall(r'<input id="card-(?:number|exp|cvc|holder)"[^>]*>', html)
    assert len(card_inputs) == 4 and not any("name=" in i for i in card_inputs)
    assert re.search(r'<option value="3"\s*>3x de R\$ [\d,]+ sem juros \(total R\$ [\d.,]+\)</option>', html), html
    assert '<option value="4"' not in html  # interest-free up to 3x (the default plan)

    form = {
        "csrf_token": csrf_from(checkout.text),
        "idempotency_key": key_of(checkout.text),
        "first_name": "Bia",
        "last_name": "Lima",
        "email": "bia.guest@example.com",
        "cpf": "123",
        "accept_terms": "on",
        "accept_privacy": "on",
        "recipient": "Bia Lima",
        "postal_code": "01310-100",
        "street": "Av. Paulista",
        "number": "1000",
        "city": "São Paulo",
        "state": "SP",
        "payment_method": "card",
        "installments": "3",
        "eco_packaging": "on",
    }
    # a bad CPF and no card token: pt-BR messages next to the fields, typed values kept
    r = await web.post("/checkout", data=form)
    assert r.status_code == 422
    html = main_of(r.text)
    assert 'id="card-error" class="field-error" role="alert">Preencha os dados do cartão.</p>' in html
    assert 'value="bia.guest@example.com"' in html and 'value="Av. Paulista"' in html
    r = await web.post("/checkout", data={**form, "card_token": await token(web, "4242424242424242")})
    html = main_of(r.text)
    assert r.status_code == 422 and '<small id="co-cpf-err" class="field-error">CPF inválido' in html, html
    assert "String should" not in html and "invalid CPF" not in html
    # a typed card number is never taken
    r = await web.post("/checkout", data={**form, "cpf": CPF, "card_number": "4242 4242 4242 4242"})
    assert r.status_code == 422 and "a loja não recebe o número do cartão" in r.text

    # declined: the message is in pt-BR at the card, the page carries a new key for the next attempt
    form["cpf"] = CPF
    first_key = form["idempotency_key"]
    r = await web.post("/checkout", data={**form, "card_token": await token(web, "4000 0000 0000 0002")})
    assert r.status_code == 422, r.text
    html = main_of(r.text)
    assert "Cartão recusado pelo emissor" in html and "Card declined" not in html
    assert key_of(r.text) != first_key
    assert 'value="Bia Lima"' in html and re.search(r'<option value="3"\s*selected>', html), html
    # the guest is signed in to their new account now; the retry with another card pays, in 3x
    retry = {**form, "csrf_token": csrf_from(r.text), "idempotency_key": key_of(r.text),
             "card_token": await token(web, "5555 5555 5555 4444")}  # fmt: skip
    placed = await web.post("/checkout", data=retry)
    assert placed.status_code == 303, placed.text
    location = placed.headers["location"]
    again = await web.post("/checkout", data=retry)  # a double submit of the retry: the same order
    assert again.status_code == 303 and again.headers["location"] == location
    order_id = location.split("/")[2].split("?")[0]
    order = (
        await web.get(f"/api/v1/orders/{order_id}", headers={"Authorization": f"Bearer {web.cookies['ev_access']}"})
    ).json()
    captured = [p for p in order["payments"] if p["status"] == "captured"]
    assert len(captured) == 1 and captured[0]["card_last4"] == "4444" and order["status"] == "paid"
    assert (await web.get(location.split("?")[0])).status_code == 200


async def test_guest_with_an_existing_email_is_sent_to_sign_in(web: httpx.AsyncClient, container: Container):
    from .helpers import register

    await make_catalog(web, container)
    await register(web, "ja-tenho@example.com")
    web.cookies.clear()
    page = await web.get("/p/camiseta-organica-basica")
    await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M"})
    checkout = await web.get("/checkout?uf=SP")
    r = await web.post("/checkout", data={
        "csrf_token": csrf_from(checkout.text), "idempotency_key": key_of(checkout.text), "first_name": "Ana",
        "last_name": "Souza", "email": "ja-tenho@example.com", "cpf": CPF, "accept_terms": "on",
        "accept_privacy": "on", "recipient": "Ana", "postal_code": "01310-100", "street": "Rua A", "number": "1",
        "city": "São Paulo", "state": "SP", "payment_method": "pix",
    })  # fmt: skip
    assert r.status_code == 422
    html = main_of(r.text)
    assert "Se você já tem conta, entre" in html and 'href="/conta/entrar?next=/checkout"' in html


async def test_forgot_password_pages(web: httpx.AsyncClient, container: Container) -> None:
    login = await web.get("/conta/entrar")
    assert 'href="/conta/esqueci-senha"' in login.text
    page = await web.get("/conta/esqueci-senha")
    r = await web.post("/conta/esqueci-senha", data={"csrf_token": csrf_from(page.text), "email": "x"})
    assert r.status_code == 422 and "Informe um e-mail válido" in r.text
    r = await web.post(
        "/conta/esqueci-senha", data={"csrf_token": csrf_from(page.text), "email": "ninguem@example.com"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/conta/esqueci-senha?ok=forgot_sent"
    sent = await web.get(r.headers["location"])
    assert "Se houver uma conta com esse e-mail" in sent.text
    reset = await web.get("/reset-password?token=abc")
    assert 'name="token" value="abc"' in reset.text
    r = await web.post("/reset-password", data={"csrf_token": csrf_from(reset.text), "token": "abc",
                                                "new_password": "uma-senha-nova-bem-longa"})  # fmt: skip
    assert r.status_code in (400, 422) and "O link expirou" in r.text, r.text
