"""A company administrator edits the company's profile: the state registration's check digits follow the
issuing state's rule (422 invalid_ie, nothing changed); other members cannot edit. SQLite and PostgreSQL."""

from __future__ import annotations

from .conftest import PASSWORD, Api

COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "ISENTO"}


async def test_company_profile_checks_the_state_registration(api: Api) -> None:
    _, tokens = await api.user("compras@verde.example", company=COMPANY)
    h = api.auth(tokens)
    url = "/api/v1/users/company"
    for body, code in [
        ({"state_registration": "110.042.490.115", "state": "SP"}, "invalid_ie"),  # SP's digit is 4
        ({"state_registration": "110.042.490.114", "state": "RJ"}, "invalid_ie"),  # SP's number, not RJ's
        ({"state_registration": "062.307.904/0081", "state": "ZZ"}, "invalid_state"),
    ]:
        r = await api.client.put(url, json=body, headers=h)
        assert r.status_code == 422 and r.json()["code"] == code, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await api.client.get(url, headers=h)).json()["company"]["state_registration"] == "ISENTO"

    r = await api.client.put(url, json={"state_registration": "062.307.904/0081", "state": "MG",
                                        "trade_name": "Verde"}, headers=h)  # fmt: skip
    assert r.status_code == 200, r.text
    assert (r.json()["state_registration"], r.json()["trade_name"]) == ("0623079040081", "Verde")

    r = await api.client.post("/api/v1/users/company/buyers", headers=h, json={
        "email": "buyer@verde.example", "first_name": "B", "last_name": "X", "password": PASSWORD})  # fmt: skip
    assert r.status_code == 201
    buyer = api.auth(await api.login("buyer@verde.example"))
    r = await api.client.put(url, json={"trade_name": "Outra"}, headers=buyer)
    assert r.status_code == 403 and r.json()["code"] == "company_admin_required"
