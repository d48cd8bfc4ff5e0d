"""The CSV import asks the classifier for the category of rows that have none: suggested in the
answer, applied only when asked for (and the model is sure enough); nothing without a model."""

from __future__ import annotations

from ecovarejo.ml import public as ml
from tests.support import bearer, make_tenant, token_for

from . import history

CSV = "sku,name,description,category,price\nNEW-1,Higiene item novo,sabonete,,12.00\nNEW-2,Moda item novo,,,30.00\n"


async def test_csv_rows_without_a_category_get_the_classifiers_suggestion(container, client) -> None:
    tid = await make_tenant(container)
    staff = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "admin"))}

    def upload(text: str, **form: str) -> dict:
        return {"files": {"file": ("p.csv", text.encode(), "text/csv")}, "data": form, "headers": staff}

    # no model yet: imported as they are, nothing suggested
    r = await client.post("/api/v1/products/import", **upload(CSV.replace("NEW-", "PRE-").replace("novo", "antigo")))
    assert r.status_code == 200 and r.json()["suggestions"] == [], r.text

    await history.catalog(container, tid)
    [result] = await ml.train(container, tid, ["classify"])
    assert result.promoted, result

    r = await client.post("/api/v1/products/import", **upload(CSV))
    assert r.status_code == 200, r.text
    got = {s["sku"]: s for s in r.json()["suggestions"]}
    assert got["NEW-1"]["category"] == "higiene" and got["NEW-2"]["category"] == "moda"
    assert not any(s["applied"] for s in got.values())
    assert (await client.get("/api/v1/products/higiene-item-novo", headers=staff)).json()["category"] is None

    r = await client.post("/api/v1/products/import", **upload(CSV, apply_suggested_categories="true"))
    assert r.status_code == 200 and r.json()["updated"] == 2, r.text
    applied = {s["sku"]: s["applied"] for s in r.json()["suggestions"]}
    doc = (await client.get("/api/v1/products/higiene-item-novo", headers=staff)).json()
    if applied["NEW-1"]:
        assert doc["category"]["slug"] == "higiene"
    assert any(applied.values()), r.json()
