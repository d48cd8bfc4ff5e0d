"""Company addresses: the company's administrators add, edit and remove them (others get 403); every
member lists them; another company never sees them; bad input is refused with nothing written.
SQLite and PostgreSQL."""

from __future__ import annotations

from .conftest import PASSWORD, Api

COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda"}
OTHER = {"cnpj": "11.222.333/0001-81", "legal_name": "Outra Ltda"}
DEPOT = {"label": "Depósito Centro", "address_line1": "Rua Augusta, 100", "district": "Consolação",
         "city": "São Paulo", "state": "sp", "postal_code": "01305000"}  # fmt: skip


async def test_company_addresses_shared_by_members(api: Api) -> None:
    _, tokens = await api.user("compras@verde.example", company=COMPANY)
    admin = api.auth(tokens)
    url = "/api/v1/users/company/addresses"
    r = await api.client.post("/api/v1/users/company/buyers", headers=admin, json={
        "email": "buyer@verde.example", "first_name": "B", "last_name": "X", "password": PASSWORD})  # fmt: skip
    assert r.status_code == 201
    buyer = api.auth(await api.login("buyer@verde.example"))

    for bad, code in (({**DEPOT, "postal_code": "123"}, None), ({**DEPOT, "state": "XX"}, None),
                      ({**DEPOT, "postal_code": "00000000"}, "invalid_cep")):  # fmt: skip
        r = await api.client.post(url, json=bad, headers=admin)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
        assert code is None or r.json()["code"] == code
    assert (await api.client.get(url, headers=buyer)).json()["items"] == []

    r = await api.client.post(url, json=DEPOT, headers=buyer)
    assert r.status_code == 403 and r.json()["code"] == "company_admin_required"
    r = await api.client.post(url, json=DEPOT, headers=admin)
    assert r.status_code == 201, r.text
    depot = r.json()
    assert (depot["state"], depot["postal_code"]) == ("SP", "01305-000")
    [seen] = (await api.client.get(url, headers=buyer)).json()["items"]  # every member sees it
    assert seen["id"] == depot["id"] and seen["label"] == "Depósito Centro"

    r = await api.client.put(f"{url}/{depot['id']}", json={**DEPOT, "label": "CD Sul"}, headers=buyer)
    assert r.status_code == 403
    r = await api.client.put(f"{url}/{depot['id']}", json={**DEPOT, "label": "CD Sul"}, headers=admin)
    assert r.status_code == 200 and r.json()["label"] == "CD Sul"

    # another company's administrator neither sees nor touches it
    _, other_tokens = await api.user("compras@outra.example", company=OTHER)
    other = api.auth(other_tokens)
    assert (await api.client.get(url, headers=other)).json()["items"] == []
    r = await api.client.delete(f"{url}/{depot['id']}", headers=other)
    assert r.status_code == 404 and r.json()["code"] == "address_not_found"
    # a consumer has no company
    _, consumer = await api.user("ana@example.com")
    assert (await api.client.get(url, headers=api.auth(consumer))).status_code == 404

    assert (await api.client.delete(f"{url}/{depot['id']}", headers=admin)).status_code == 204
    assert (await api.client.get(url, headers=buyer)).json()["items"] == []
