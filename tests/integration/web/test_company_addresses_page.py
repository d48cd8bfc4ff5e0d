"""A company's address, added by its administrator, is offered to its buyer at checkout (pt-BR) and
fills the delivery form when picked."""

from __future__ import annotations

import httpx

from ecovarejo.core.container import Container

from .catalog_fixture import make_catalog
from .helpers import PASSWORD, csrf_from, sign_in

COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda"}
DEPOT = {"label": "Depósito Centro", "address_line1": "Rua Augusta, 100", "district": "Consolação",
         "city": "São Paulo", "state": "SP", "postal_code": "01305-000"}  # fmt: skip


async def test_buyer_picks_the_company_address_at_checkout(web: httpx.AsyncClient, container: Container) -> None:
    await make_catalog(web, container)
    r = await web.post("/api/v1/auth/register", json={
        "email": "admin@verde.example", "password": PASSWORD, "first_name": "Ana", "last_name": "Souza",
        "accept_terms": True, "accept_privacy": True, "company": COMPANY,
    })  # fmt: skip
    assert r.status_code == 201, r.text
    await sign_in(web, "admin@verde.example")
    admin = {"Authorization": f"Bearer {web.cookies.get('ev_access')}"}
    # the administrator adds it on Minha conta → Endereços da empresa (a bad CEP is explained in pt-BR)
    page = await web.get("/conta/empresa/enderecos")
    assert page.status_code == 200 and "Endereços de entrega de Verde Atacado Ltda" in page.text
    form = {"csrf_token": csrf_from(page.text), **DEPOT}
    bad = await web.post("/conta/empresa/enderecos", data={**form, "postal_code": "00000-000"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text and "CEP inválido" in bad.text
    assert (await web.get("/api/v1/users/company/addresses", headers=admin)).json()["items"] == []
    ok = await web.post("/conta/empresa/enderecos", data=form)
    assert ok.status_code == 303, ok.text
    [saved] = (await web.get("/api/v1/users/company/addresses", headers=admin)).json()["items"]
    depot = saved["id"]
    r = await web.post("/api/v1/users/company/buyers", headers=admin, json={
        "email": "buyer@verde.example", "first_name": "Bia", "last_name": "X", "password": PASSWORD})  # fmt: skip
    assert r.status_code == 201, r.text

    web.cookies.clear()
    await sign_in(web, "buyer@verde.example")
    page = await web.get("/p/camiseta-organica-basica")
    await web.post("/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M",
                                            "quantity": "1"})  # fmt: skip
    shared = await web.get("/conta/empresa/enderecos")  # buyers see the addresses, not the form
    assert "Depósito Centro" in shared.text and 'id="company-address-form"' not in shared.text
    checkout = await web.get(f"/checkout?endereco={depot}")
    assert checkout.status_code == 200
    assert "Depósito Centro (endereço da empresa)" in checkout.text
    assert 'value="Rua Augusta, 100"' in checkout.text and 'value="Consolação"' in checkout.text


async def test_administrator_edits_a_company_address_in_place(web: httpx.AsyncClient, container: Container) -> None:
    r = await web.post("/api/v1/auth/register", json={
        "email": "admin@verde.example", "password": PASSWORD, "first_name": "Ana", "last_name": "Souza",
        "accept_terms": True, "accept_privacy": True, "company": COMPANY,
    })  # fmt: skip
    assert r.status_code == 201, r.text
    await sign_in(web, "admin@verde.example")
    admin = {"Authorization": f"Bearer {web.cookies.get('ev_access')}"}
    r = await web.post("/api/v1/users/company/addresses", headers=admin, json=DEPOT)
    assert r.status_code == 201, r.text
    depot = r.json()["id"]
    page = await web.get("/conta/empresa/enderecos")
    assert f"/conta/empresa/enderecos?editar={depot}" in page.text and "Editar" in page.text

    # the form opens filled with the address and posts to it
    edit = await web.get(f"/conta/empresa/enderecos?editar={depot}")
    assert "Editar endereço" in edit.text and f'action="/conta/empresa/enderecos/{depot}"' in edit.text
    assert 'value="Depósito Centro"' in edit.text and 'value="Rua Augusta, 100"' in edit.text
    form = {"csrf_token": csrf_from(edit.text), **DEPOT, "label": "Depósito Paulista",
            "address_line1": "Av. Paulista, 1000", "postal_code": "01310-100", "district": "Bela Vista"}  # fmt: skip
    # a bad CEP stays on the edit form (pt-BR), nothing changed
    bad = await web.post(f"/conta/empresa/enderecos/{depot}", data={**form, "postal_code": "00000-000"})
    assert bad.status_code == 422 and "CEP inválido" in bad.text
    assert f'action="/conta/empresa/enderecos/{depot}"' in bad.text and 'value="Depósito Paulista"' in bad.text
    [kept] = (await web.get("/api/v1/users/company/addresses", headers=admin)).json()["items"]
    assert kept["label"] == "Depósito Centro"
    ok = await web.post(f"/conta/empresa/enderecos/{depot}", data=form)
    assert ok.status_code == 303, ok.text
    [changed] = (await web.get("/api/v1/users/company/addresses", headers=admin)).json()["items"]
    assert (changed["id"], changed["label"], changed["address_line1"], changed["postal_code"]) == (
        depot, "Depósito Paulista", "Av. Paulista, 1000", "01310-100")  # fmt: skip
    english = await web.get(f"/conta/empresa/enderecos?editar={depot}&lang=en")
    assert "Edit address" in english.text

    # a buyer of the company sees no form and cannot edit through the page
    r = await web.post("/api/v1/users/company/buyers", headers=admin, json={
        "email": "buyer@verde.example", "first_name": "Bia", "last_name": "X", "password": PASSWORD})  # fmt: skip
    assert r.status_code == 201, r.text
    web.cookies.clear()
    await sign_in(web, "buyer@verde.example")
    shown = await web.get(f"/conta/empresa/enderecos?editar={depot}")
    assert 'id="company-address-form"' not in shown.text and "#company-address-form" not in shown.text
    r = await web.post(f"/conta/empresa/enderecos/{depot}", data={**form, "csrf_token": csrf_from(shown.text),
                                                                  "label": "Outro"})  # fmt: skip
    assert r.status_code == 403
    [same] = (await web.get("/api/v1/users/company/addresses", headers=admin)).json()["items"]
    assert same["label"] == "Depósito Paulista"
