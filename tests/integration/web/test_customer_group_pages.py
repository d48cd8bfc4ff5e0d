"""Admin → Grupos de clientes (pt-BR and English): staff with MFA make a group, add a company by CNPJ and
remove it; bad input (a bad code, a code in use, an unknown CNPJ) stays on the page with its message and
changes nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from ecovarejo.core.container import Container

from .helpers import PASSWORD, csrf_from, make_staff

COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "ISENTO"}


async def test_staff_keep_customer_groups_on_the_admin_page(web: httpx.AsyncClient, container: Container):
    r = await web.post("/api/v1/auth/register", json={
        "email": "compras@verde.example", "password": PASSWORD, "first_name": "Ana", "last_name": "Souza",
        "accept_terms": True, "accept_privacy": True, "company": COMPANY,
    })  # fmt: skip
    assert r.status_code == 201, r.text
    company_id = r.json()["company_id"]
    await make_staff(web, container, "vendas@loja.example", user_type="customer", permissions=("manage_orders",))

    page = await web.get("/admin/grupos")
    assert page.status_code == 200 and "Grupos de clientes" in page.text
    bad = await web.post("/admin/grupos", data={"csrf_token": csrf_from(page.text), "code": "com espaço", "name": "X"})
    assert bad.status_code == 422 and "Código inválido" in bad.text and 'aria-invalid="true"' in bad.text
    ok = await web.post(
        "/admin/grupos", data={"csrf_token": csrf_from(page.text), "code": "atacado", "name": "Atacado"}
    )
    assert ok.status_code == 303, ok.text
    again = await web.post("/admin/grupos", data={"csrf_token": csrf_from(page.text), "code": "atacado", "name": "2"})
    assert again.status_code == 409 and "Já existe um grupo com este código." in again.text

    page = await web.get("/admin/grupos")
    assert 'data-group="atacado"' in page.text and "Nenhuma empresa neste grupo." in page.text
    group_id = page.text.split('action="/admin/grupos/')[1].split("/")[0]
    unknown = await web.post(f"/admin/grupos/{group_id}/empresas",
                             data={"csrf_token": csrf_from(page.text), "cnpj": "11.222.333/0001-81"})  # fmt: skip
    assert unknown.status_code == 404 and "Nenhuma empresa cadastrada com este CNPJ." in unknown.text
    added = await web.post(f"/admin/grupos/{group_id}/empresas",
                           data={"csrf_token": csrf_from(page.text), "cnpj": COMPANY["cnpj"]})  # fmt: skip
    assert added.status_code == 303, added.text
    page = await web.get("/admin/grupos")
    assert "Verde Atacado Ltda" in page.text and f"/empresas/{company_id}/remover" in page.text
    english = await web.get("/admin/grupos?lang=en")
    assert "Customer groups" in english.text and "Add to the group" in english.text

    removed = await web.post(f"/admin/grupos/{group_id}/empresas/{company_id}/remover",
                             data={"csrf_token": csrf_from(page.text)})  # fmt: skip
    assert removed.status_code == 303
    assert "No company in this group." in (await web.get("/admin/grupos")).text  # English kept (cookie)
