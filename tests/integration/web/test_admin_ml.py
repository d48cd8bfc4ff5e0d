"""Admin: the fraud review queue lists a held order with its reasons in pt-BR; approving from the page
captures the payment; the models page shows each version next to its baseline."""

from __future__ import annotations

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.inventory import service as inventory
from ecovarejo.ml import public as ml
from tests.integration.ml import history
from tests.integration.orders.shop import ADDRESS, checkout_body
from tests.support import bearer, token_for

from .helpers import csrf_from, make_staff


async def test_fraud_review_page_approves_and_models_page(web: httpx.AsyncClient, container: Container) -> None:
    items = await history.catalog(container, DEFAULT_TENANT_ID, per_category=8)
    async with container.uow(DEFAULT_TENANT_ID, actor="test") as uow:
        wh = await inventory.ensure_warehouse(uow, "SP1", "São Paulo")
        await inventory.adjust(uow, items[0].sku, wh.id, 100, reason="test", actor="test")
        await uow.commit()
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    r = await web.put("/api/v1/ml/fraud/thresholds", json={"hold_at": 0.2, "decline_at": 0.99}, headers=root)
    assert r.status_code == 200
    buyer = bearer(token_for(container, DEFAULT_TENANT_ID, "customer"))
    body = checkout_body(items=[{"sku": items[0].sku, "quantity": 20}], billing_address={**ADDRESS, "state": "BA"})
    r = await web.post("/api/v1/orders", json=body, headers={**buyer, "Idempotency-Key": "w1"})
    assert r.status_code == 201 and r.json()["fraud_review"] == "pending", r.text
    order = r.json()
    await ml.train(container, DEFAULT_TENANT_ID, ["recommendations"])

    await make_staff(web, container, "ops@example.com")
    queue = await web.get("/admin/revisao-fraude")
    assert queue.status_code == 200
    assert order["order_number"] in queue.text and "quantidade atípica" in queue.text
    assert "cobrança e entrega em estados diferentes" in queue.text
    r = await web.post(f"/admin/revisao-fraude/{order['id']}/aprovar", data={"csrf_token": csrf_from(queue.text)})
    assert r.status_code == 303, r.text
    assert (await web.get(f"/api/v1/admin/orders/{order['id']}", headers=root)).json()["status"] == "paid"
    assert order["order_number"] not in (await web.get("/admin/revisao-fraude")).text

    page = await web.get("/admin/modelos")
    assert page.status_code == 200 and "recommendations" in page.text and "Referência" in page.text

    r = await web.get("/admin/reposicao?lead_time_days=10&service_level=97")
    assert r.status_code == 200 and "Prazo do fornecedor" in r.text and 'value="97"' in r.text

    # the product form asks for a category suggestion (htmx fragment) from the name and description
    form = await web.get("/admin/produtos/novo")
    assert 'hx-get="/admin/sugestao-categoria"' in form.text
    assert (await web.get("/admin/sugestao-categoria?name=Escova")).text == ""  # no model yet: nothing
    [result] = await ml.train(container, DEFAULT_TENANT_ID, ["classify"])
    assert result.promoted, result
    hint = await web.get("/admin/sugestao-categoria?name=Higiene+item+comum&description=")
    assert "Categoria sugerida" in hint.text and "Higiene" in hint.text

    r = await web.get("/admin/precos")
    assert r.status_code == 200 and "Sugestões de preço" in r.text
