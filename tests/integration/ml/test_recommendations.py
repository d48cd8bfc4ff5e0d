"""Recommendations end to end: without a model every endpoint still answers (catalog fallbacks);
trained on the tenant's history the model beats popularity, is registered with its metrics and
promoted, and serves bought-together, greener alternatives and personal picks; another tenant keeps
its fallbacks."""

from __future__ import annotations

from ecovarejo.ml import public as ml
from ecovarejo.users.models import ConsentEntry, User
from tests.support import bearer, make_tenant, token_for

from . import history


async def test_fallbacks_then_training_promotes_and_serves(container, client) -> None:
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid)}
    items = await history.catalog(container, tid)
    first, partner, plain, greenest = items[0], items[1], items[2], items[7]

    # no model yet: nothing bought together, greener and similar from the catalog, for-you the best scores
    r = await client.get(f"/api/v1/recommendations/products/{first.id}/bought-together", headers=h)
    assert r.status_code == 200 and r.json() == {"items": [], "source": "none"}
    r = await client.get(f"/api/v1/recommendations/products/{plain.id}/greener", headers=h)
    assert r.json()["source"] == "catalog" and r.json()["items"][0]["id"] == str(greenest.id)
    r = await client.get(f"/api/v1/recommendations/products/{plain.id}/similar", headers=h)
    assert r.json()["source"] == "catalog" and str(plain.id) not in [i["id"] for i in r.json()["items"]]
    r = await client.get("/api/v1/recommendations/for-you", headers=h)
    greenest_each = {str(i.id) for i in items[7::8]}  # one per category, same best score
    assert r.json()["source"] == "catalog" and r.json()["items"][0]["id"] in greenest_each

    users = await history.orders(container, tid, items)
    [result] = await ml.train(container, tid, ["recommendations"])
    assert result.promoted and result.value > result.baseline, result
    for key in ("hit_rate@10", "ndcg@10", "fbt_hit_rate@10", "fbt_ndcg@10"):
        assert key in result.metrics and key in result.baseline_metrics

    staff = {**h, **bearer(token_for(container, tid, "admin"))}
    [row] = (await client.get("/api/v1/ml/models?name=recommendations", headers=staff)).json()["items"]
    assert row["promoted"] and row["version"] == 1 and row["samples"] == 240
    assert row["value"] > row["baseline"] and row["data_from"] and row["code_version"]
    customer = {**h, **bearer(token_for(container, tid))}
    assert (await client.get("/api/v1/ml/models", headers=customer)).status_code == 403

    r = await client.get(f"/api/v1/recommendations/products/{first.id}/bought-together?limit=1", headers=h)
    assert r.json()["source"] == "model" and [i["id"] for i in r.json()["items"]] == [str(partner.id)]
    assert r.json()["items"][0]["price"] == {"amount": str(partner.price), "currency": "BRL"}
    r = await client.get(f"/api/v1/recommendations/products/{plain.id}/greener", headers=h)
    assert r.json()["source"] == "model" and r.json()["items"][0]["id"] == str(greenest.id)
    me = {**h, **bearer(token_for(container, tid, user_id=users[0]))}
    r = await client.get("/api/v1/recommendations/for-you", headers=me)
    assert r.json()["source"] == "popular"  # no personalisation consent in the ledger: nothing personal
    await _consent(container, tid, users[0], True)
    r = await client.get("/api/v1/recommendations/for-you", headers=me)
    assert r.json()["source"] == "model" and len(r.json()["items"]) == 8
    await _consent(container, tid, users[0], False)  # withdrawn: the latest entry wins
    assert (await client.get("/api/v1/recommendations/for-you", headers=me)).json()["source"] == "popular"
    await _consent(container, tid, users[0], True)
    r = await client.get("/api/v1/recommendations/for-you", headers=h)
    assert r.json()["source"] == "popular"

    # a second run registers version 2 and keeps one promoted version
    await ml.train(container, tid, ["recommendations"])
    rows = (await client.get("/api/v1/ml/models?name=recommendations", headers=staff)).json()["items"]
    assert [(m["version"], m["promoted"]) for m in rows] == [(2, True), (1, False)]

    # another tenant: its own (absent) model, fallbacks only
    other = await make_tenant(container)
    r = await client.get("/api/v1/recommendations/for-you", headers={"X-Tenant-ID": str(other)})
    assert r.status_code == 200 and r.json() == {"items": [], "source": "catalog"}


async def test_a_model_no_better_than_popularity_is_not_promoted(container, client) -> None:
    tid = await make_tenant(container)
    items = await history.catalog(container, tid, per_category=4)
    # nothing planted: every order is one product, every customer orders once
    await history.orders(container, tid, items[:1], customers=0)
    [result] = await ml.train(container, tid, ["recommendations"])
    assert not result.promoted and "not enough data" in result.reason
    assert await ml.ports_of(container).store.get(tid, "recommendations") is None
    r = await client.get(f"/api/v1/recommendations/products/{items[0].id}/bought-together",
                         headers={"X-Tenant-ID": str(tid)})  # fmt: skip
    assert r.status_code == 200 and r.json()["source"] == "none"


async def _consent(container, tid, user_id, granted: bool) -> None:
    """A ledger entry for one of the history's buyers (their account row written once)."""
    async with container.uow(tid, actor="test") as uow:
        if await uow.session.get(User, user_id) is None:
            uow.session.add(User(id=user_id, email=f"{user_id.hex[:8]}@example.com", password_hash="x",
                                 first_name="Cliente", last_name="Teste"))  # fmt: skip
            await uow.session.flush()
        uow.session.add(ConsentEntry(user_id=user_id, purpose="personalisation", policy_version="2026-01",
                                     granted=granted, channel="test"))  # fmt: skip
        await uow.commit()
