"""Recommendations over GraphQL: the same answers and fallbacks as the REST API."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecovarejo.core.settings import Settings
from ecovarejo.ml import public as ml
from tests.conftest import make_settings
from tests.support import make_tenant

from . import history
from .conftest import SERVICES

QUERY = """
query Recs($id: ID!) {
  boughtTogether(productId: $id, limit: 1) { source items { id slug price { amount currency } } }
  greenerAlternatives(productId: $id) { source items { slug sustainabilityScore carbonFootprintKg } }
  forYou(limit: 3) { source items { sku } }
}
"""


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, services=f"{SERVICES},graphql")


async def test_recommendation_fields(container, client) -> None:
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid)}
    items = await history.catalog(container, tid)

    async def ask(product) -> dict:
        r = await client.post("/graphql", json={"query": QUERY, "variables": {"id": str(product.id)}}, headers=h)
        assert r.status_code == 200 and "errors" not in r.json(), r.text
        return r.json()["data"]

    before = await ask(items[2])
    assert before["boughtTogether"] == {"source": "none", "items": []}
    assert before["greenerAlternatives"]["source"] == "catalog"
    assert before["greenerAlternatives"]["items"][0]["slug"] == items[7].slug

    await history.orders(container, tid, items)
    await ml.train(container, tid, ["recommendations"])
    after = await ask(items[0])
    assert after["boughtTogether"]["source"] == "model"
    assert [i["slug"] for i in after["boughtTogether"]["items"]] == [items[1].slug]
    assert after["forYou"]["source"] == "popular" and len(after["forYou"]["items"]) == 3
