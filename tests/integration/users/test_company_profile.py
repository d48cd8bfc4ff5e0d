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


async def test_the_state_is_kept_with_the_ie_and_checks_it(api: Api) -> None:
    """The UF is stored with the IE (issue #22): given at registration, or deduced when only one state's
    rule accepts the number; a later edit of the IE alone is checked against the kept state, and a new
    state alone re-checks the kept IE (nothing changes when it fails)."""
    sp = {**COMPANY, "cnpj": "11.222.333/0001-81", "state_registration": "110.042.490.114", "state": "sp"}
    _, tokens = await api.user("compras@sp.example", company=sp)
    h = api.auth(tokens)
    url = "/api/v1/users/company"
    company = (await api.client.get(url, headers=h)).json()["company"]
    assert (company["state_registration"], company["state"]) == ("110042490114", "SP")
    # MG's number alone is checked in SP (kept): refused, nothing changed
    r = await api.client.put(url, json={"state_registration": "062.307.904/0081"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_ie", r.text
    # another state alone re-checks the kept IE
    r = await api.client.put(url, json={"state": "RJ"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_ie", r.text
    r = await api.client.put(url, json={"state": "XX"}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "invalid_state", r.text
    company = (await api.client.get(url, headers=h)).json()["company"]
    assert (company["state_registration"], company["state"]) == ("110042490114", "SP")
    # both at once: MG's number in MG
    r = await api.client.put(url, json={"state_registration": "062.307.904/0081", "state": "MG"}, headers=h)
    assert r.status_code == 200 and (r.json()["state_registration"], r.json()["state"]) == ("0623079040081", "MG")

    # registered without a state: the one state whose rule accepts it is kept; ISENTO keeps none
    mg = {**COMPANY, "cnpj": "11.444.777/0001-61", "state_registration": "062.307.904/0081"}
    _, tokens = await api.user("compras@mg.example", company=mg)
    company = (await api.client.get(url, headers=api.auth(tokens))).json()["company"]
    assert company["state"] == "MG"
    _, tokens = await api.user("compras@isento.example", company={**COMPANY, "cnpj": "45.723.174/0001-10"})
    assert (await api.client.get(url, headers=api.auth(tokens))).json()["company"]["state"] is None
