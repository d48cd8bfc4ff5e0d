"""NF-e pages (pt-BR and English): the buyer downloads the DANFE and the XML from the order page; staff
see the notes, the flagged ones, send a rejected one again and register a correction letter, with
problems explained in the reader's language. SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.fiscal.plugin import install_nfe
from ecovarejo.fiscal.settings import FiscalSettings
from ecovarejo.inventory import service as inventory
from ecovarejo.orders.public import FraudScreen, OrdersPorts
from tests.integration.orders.shop import ApproveAll, FakeCatalog, checkout_body
from tests.integration.web.helpers import PASSWORD, csrf_from, make_staff, sign_in
from tests.support import bearer, eventually, token_for

from .fakes.focusnfe import TOKEN


@pytest.fixture
async def web(container: Container):
    from ecovarejo.app import create_app

    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


async def _status(web: httpx.AsyncClient, root: dict[str, str], oid: str, status: str) -> bool:
    r = await web.get(f"/api/v1/admin/fiscal/nfe/{oid}", headers=root)
    return r.status_code == 200 and r.json()["status"] == status


async def test_order_page_downloads_and_admin_list(web: httpx.AsyncClient, container: Container, focus) -> None:
    fake, url = focus
    install_nfe(container, FiscalSettings(focusnfe_api_base=url, focusnfe_token=TOKEN, nfe_timeout=2.0))
    catalog = FakeCatalog()
    container.ports.get(OrdersPorts).catalog = catalog
    container.ports.provide(FraudScreen, ApproveAll())
    catalog.put("TEE", "100.00", name="Camiseta orgânica")
    async with container.uow(DEFAULT_TENANT_ID, actor="test") as uow:
        wh = await inventory.ensure_warehouse(uow, "CD1", "CD1")
        await inventory.adjust(uow, "TEE", wh.id, 20, reason="test", actor="test", reorder_level=2)
        await uow.commit()
    root = {"X-Tenant-ID": str(DEFAULT_TENANT_ID), **bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))}
    r = await web.put("/api/v1/admin/fiscal/settings", headers=root,
                      json={"origin_state": "SP", "issuer_cnpj": "11222333000181"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert (await web.put("/api/v1/admin/fiscal/products/TEE", json={"ncm": "61091000"}, headers=root)).is_success

    body = {"email": "ana@example.com", "password": PASSWORD, "first_name": "Ana", "last_name": "Souza",
            "cpf": "52998224725", "accept_terms": True, "accept_privacy": True}  # fmt: skip
    assert (await web.post("/api/v1/auth/register", json=body)).status_code == 201
    login = await web.post("/api/v1/auth/login", json={"email": body["email"], "password": PASSWORD})
    ana = bearer(login.json()["access_token"])
    orders = []
    for key, status in (("page-1", "authorized"), ("page-2", "rejected")):
        if status == "rejected":
            fake.reject_next = ("778", "Rejeição: Informado NCM inexistente")
        r = await web.post("/api/v1/orders", json=checkout_body(items=[{"sku": "TEE", "quantity": 1}]),
                           headers={**ana, "Idempotency-Key": key})  # fmt: skip
        assert r.status_code == 201 and r.json()["status"] == "paid", r.text
        orders.append(r.json()["id"])
        await eventually(lambda: _status(web, root, orders[-1], status), message=f"{key} {status}")
    good, bad = orders
    web.cookies.clear()

    # the buyer's order page: the key and the downloads, in pt-BR and English
    assert (await sign_in(web, "ana@example.com")).status_code == 303
    page = await web.get(f"/pedido/{good}")
    assert page.status_code == 200 and 'id="nfe-danfe"' in page.text and "Baixar DANFE (PDF)" in page.text
    assert "Chave de acesso" in page.text and "Download" not in page.text
    danfe = await web.get(f"/pedido/{good}/danfe.pdf")
    assert danfe.status_code == 200 and danfe.content.startswith(b"%PDF")
    xml = await web.get(f"/pedido/{good}/nfe.xml")
    assert xml.status_code == 200 and b"<nfeProc" in xml.content
    delayed = await web.get(f"/pedido/{bad}")
    assert "A nota fiscal deste pedido está atrasada" in delayed.text
    assert "Download the DANFE (PDF)" in (await web.get(f"/pedido/{good}?lang=en")).text
    web.cookies.clear()

    # staff: the list, the flagged filter, send again, a correction letter
    await make_staff(web, container, "fiscal@example.com", user_type="customer", permissions=("manage_orders",))
    listing = await web.get("/admin/fiscal/nfe")
    assert listing.status_code == 200 and 'href="/admin/fiscal/nfe"' in listing.text
    assert "Autorizada" in listing.text and "Rejeitada" in listing.text and "Precisa de atenção" in listing.text
    flagged = await web.get("/admin/fiscal/nfe?flagged=1")
    assert f'id="nfe-{bad}"' in flagged.text and f'id="nfe-{good}"' not in flagged.text
    r = await web.post(f"/admin/fiscal/nfe/{bad}/reenviar", data={"csrf_token": csrf_from(listing.text)})
    assert r.status_code == 303 and r.headers["location"] == "/admin/fiscal/nfe?ok=nfe_retry_queued"
    await eventually(lambda: _status(web, root, bad, "authorized"))
    r = await web.post(f"/admin/fiscal/nfe/{good}/correcao", data={"csrf_token": csrf_from(listing.text), "text": "x"})
    assert r.headers["location"] == "/admin/fiscal/nfe?err=nfe_err_invalid_correction"
    shown = await web.get(r.headers["location"])
    assert "A correção precisa ter de 15 a 1000 caracteres." in shown.text
    text = "Complemento do endereço: apartamento 42"
    r = await web.post(f"/admin/fiscal/nfe/{good}/correcao", data={"csrf_token": csrf_from(listing.text), "text": text})
    assert r.headers["location"] == "/admin/fiscal/nfe?ok=nfe_correction_sent"
    assert text in (await web.get("/admin/fiscal/nfe")).text
    english = await web.get("/admin/fiscal/nfe?lang=en")
    assert "Invoices (NF-e)" in english.text and "Authorized" in english.text and "Autorizada" not in english.text
