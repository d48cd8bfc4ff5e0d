"""Writes over HTTP: permission, supplier object-level rules, problems, reviews and moderation."""

from __future__ import annotations

import uuid
from decimal import Decimal

from ecovarejo.products import reviews
from tests.support import bearer, token_for

from .helpers import default_tenant


def _h(container, t, user_type="admin", perms=(), user_id=None):
    return bearer(token_for(container, t, user_type, permissions=perms, user_id=user_id))


BODY = {"sku": "API-1", "name": "Garrafa Térmica", "price": "119.90", "attributes": {"material": "Aço Inox Reciclado"}}


async def test_writes_need_the_permission(client, container) -> None:
    t = await default_tenant(container)
    r = await client.post("/api/v1/products", json=BODY)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    r = await client.post("/api/v1/products", json=BODY, headers=_h(container, t, "customer"))
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    r = await client.post("/api/v1/products", json=BODY, headers=_h(container, t, "customer", ("manage_products",)))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert r.json()["price"] == {"amount": "119.90", "currency": "BRL"}
    r = await client.patch(f"/api/v1/products/{pid}", json={"price": "99.90"}, headers=_h(container, t))
    assert r.status_code == 200 and r.json()["price"]["amount"] == "99.90"
    r = await client.put(f"/api/v1/products/{pid}", json={**BODY, "name": "Garrafa Inox"}, headers=_h(container, t))
    assert r.status_code == 200 and r.json()["slug"] == "garrafa-inox"
    assert (await client.get("/api/v1/products/garrafa-inox")).json()["price"]["amount"] == "119.90"
    r = await client.delete(f"/api/v1/products/{pid}", headers=_h(container, t, "customer"))
    assert r.status_code == 403
    r = await client.delete(f"/api/v1/products/{pid}", headers=_h(container, t))
    assert r.status_code == 204
    assert (await client.get("/api/v1/products/garrafa-inox")).status_code == 404


async def test_bad_input_is_a_problem_and_writes_nothing(client, container) -> None:
    t = await default_tenant(container)
    h = _h(container, t)
    for body in (
        {**BODY, "price": "-1"},
        {**BODY, "price": "1.234"},
        {**BODY, "sku": "bad sku!"},
        {**BODY, "status": "sold"},
        {k: v for k, v in BODY.items() if k != "name"},
        {**BODY, "certifications": [{"name": "Inventado"}]},
        {**BODY, "category_id": str(uuid.uuid4())},
    ):
        r = await client.post("/api/v1/products", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/v1/products")).json()["items"] == []
    assert (await client.post("/api/v1/products", json=BODY, headers=h)).status_code == 201
    r = await client.post("/api/v1/products", json={**BODY, "name": "Outra"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "sku_taken"


async def test_a_supplier_manages_only_its_own_products(client, container) -> None:
    t = await default_tenant(container)
    s1, s2 = uuid.uuid4(), uuid.uuid4()
    h1 = _h(container, t, "supplier", ("manage_products",), s1)
    h2 = _h(container, t, "supplier", ("manage_products",), s2)
    r = await client.post("/api/v1/products", json=BODY, headers=h1)
    assert r.status_code == 201 and r.json()["supplier_id"] == str(s1)
    pid = r.json()["id"]
    r = await client.post("/api/v1/products", json={**BODY, "sku": "API-2", "supplier_id": str(s2)}, headers=h1)
    assert r.status_code == 403 and r.json()["code"] == "not_your_product"
    assert (await client.patch(f"/api/v1/products/{pid}", json={"price": "1.00"}, headers=h2)).status_code == 403
    assert (await client.delete(f"/api/v1/products/{pid}", headers=h2)).status_code == 403
    r = await client.patch(f"/api/v1/products/{pid}", json={"supplier_id": str(s2)}, headers=h1)
    assert r.status_code == 403  # cannot hand it to another supplier
    assert (await client.patch(f"/api/v1/products/{pid}", json={"price": "1.00"}, headers=h1)).status_code == 200
    # no supplier manages categories
    r = await client.post("/api/v1/categories", json={"name": "Nova"}, headers=h1)
    assert r.status_code == 403
    r = await client.post("/api/v1/categories", json={"name": "Nova"}, headers=_h(container, t))
    assert r.status_code == 201 and r.json()["slug"] == "nova"
    assert (await client.delete(f"/api/v1/products/{pid}", headers=h1)).status_code == 204


async def test_drafts_are_visible_to_managers_only(client, container) -> None:
    t = await default_tenant(container)
    h = _h(container, t)
    r = await client.post("/api/v1/products", json={**BODY, "status": "draft"}, headers=h)
    slug = r.json()["slug"]
    assert (await client.get(f"/api/v1/products/{slug}")).status_code == 404
    assert (await client.get(f"/api/v1/products/{slug}", headers=h)).status_code == 200
    assert (await client.get("/api/v1/products", params={"status": "draft"})).status_code == 403
    r = await client.get("/api/v1/products", params={"status": "draft"}, headers=h)
    assert [i["sku"] for i in r.json()["items"]] == ["API-1"]


async def test_reviews_one_per_user_moderation_and_verified_purchase(client, container) -> None:
    t = await default_tenant(container)
    admin = _h(container, t)
    r = await client.post("/api/v1/products", json=BODY, headers=admin)
    pid, slug = r.json()["id"], r.json()["slug"]
    u1, u2 = uuid.uuid4(), uuid.uuid4()
    async with container.uow(t) as uow:
        await reviews.mark_verified_purchase(uow, u1, uuid.UUID(pid))
        await reviews.mark_verified_purchase(uow, u1, uuid.UUID(pid))  # idempotent
        await uow.commit()
    assert (await client.post(f"/api/v1/products/{slug}/reviews", json={"rating": 5})).status_code == 401
    c1, c2 = _h(container, t, "customer", user_id=u1), _h(container, t, "customer", user_id=u2)
    r = await client.post(f"/api/v1/products/{slug}/reviews", json={"rating": 5, "title": "Ótima"}, headers=c1)
    assert r.status_code == 201 and r.json()["verified_purchase"] is True
    r = await client.post(f"/api/v1/products/{slug}/reviews", json={"rating": 4}, headers=c1)
    assert r.status_code == 409 and r.json()["code"] == "review_exists"
    assert (await client.post(f"/api/v1/products/{slug}/reviews", json={"rating": 6}, headers=c2)).status_code == 422
    r = await client.post(f"/api/v1/products/{slug}/reviews", json={"rating": 2, "body": "Ruim"}, headers=c2)
    assert r.status_code == 201 and r.json()["verified_purchase"] is False
    rid2 = r.json()["id"]
    doc = (await client.get(f"/api/v1/products/{slug}")).json()
    assert doc["rating"] == {"average": "3.50", "count": 2}
    assert (await client.patch(f"/api/v1/reviews/{rid2}", json={"status": "hidden"}, headers=c1)).status_code == 403
    r = await client.patch(f"/api/v1/reviews/{rid2}", json={"status": "hidden"}, headers=admin)
    assert r.status_code == 200
    body = (await client.get(f"/api/v1/products/{slug}/reviews")).json()
    assert [i["rating"] for i in body["items"]] == [5]
    assert body["rating"] == {"average": "5.00", "count": 1}
    assert (await client.get(f"/api/v1/products/{slug}")).json()["rating"]["average"] == "5.00"
    # a purchase recorded after the review flags it too
    async with container.uow(t) as uow:
        await reviews.mark_verified_purchase(uow, u2, uuid.UUID(pid))
        await uow.commit()
        out = await reviews.list_reviews(uow, slug, include_hidden=True)
    assert all(i["verified_purchase"] for i in out["items"])
    assert Decimal(out["rating"]["average"]) == Decimal("5.00")
