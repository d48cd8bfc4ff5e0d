"""The privacy context's pages: policy and terms (pt-BR and English, the tenant's own text and version),
the DPO's contact in the footer, and data subjects' requests from the account page."""

from __future__ import annotations

import io
import json
import re
import zipfile

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID, Tenant
from ecovarejo.privacy import public as privacy

from .helpers import PASSWORD, csrf_from, make_staff, register


async def test_policy_and_terms_in_both_languages_with_version_and_dpo(
    web: httpx.AsyncClient, container: Container
) -> None:
    r = await web.get("/privacidade")
    assert r.status_code == 200 and "Política de privacidade" in r.text
    assert f"<strong data-version>{privacy.POLICY_VERSION}</strong>" in r.text
    assert "Lei 13.709/2018" in r.text and "LGPD art. 7" in r.text  # the table comes from the registry
    assert "payment providers" in r.text and "mailto:privacidade@" in r.text
    en = await web.get("/privacidade?lang=en")
    assert "Privacy policy" in en.text and "General Data Protection Law" in en.text
    terms = await web.get("/termos?lang=pt-BR")  # the English visit above set the language cookie
    assert terms.status_code == 200 and "Termos de uso" in terms.text and "art. 49" in terms.text
    home = await web.get("/")
    assert (
        'href="/privacidade"' in home.text
        and "Encarregado de dados" in home.text
        and "mailto:privacidade@" in home.text
    )

    async with container.db.system_session() as s:
        tenant = await s.get(Tenant, DEFAULT_TENANT_ID)
        assert tenant is not None
        tenant.settings = {**(tenant.settings or {}), "privacy": {
            "privacy": {"version": "v7-loja", "pt-BR": "Nossa política própria.", "en": "Our own policy."},
            "dpo": {"name": "Beatriz DPO", "email": "dpo@loja.example"}}}  # fmt: skip
        await s.commit()
    container.tenants.invalidate()
    r = await web.get("/privacidade")
    assert "Nossa política própria." in r.text and "<strong data-version>v7-loja</strong>" in r.text
    assert "dpo@loja.example" in r.text


async def test_requests_from_the_account_page(web: httpx.AsyncClient) -> None:
    await register(web, "direitos@example.com")
    page = await web.get("/conta/privacidade")
    assert page.status_code == 200 and 'action="/conta/privacidade/pedidos"' in page.text
    token = csrf_from(page.text)
    refused = await web.post("/conta/privacidade/pedidos", data={"csrf_token": token, "kind": "portability"})
    assert refused.status_code == 303 and "err=request_refused" in refused.headers["location"]
    r = await web.post(
        "/conta/privacidade/pedidos", data={"csrf_token": token, "kind": "portability", "password": PASSWORD}
    )
    assert r.status_code == 303 and "ok=request_filed" in r.headers["location"]
    page = await web.get("/conta/privacidade")
    action = re.search(r'action="(/conta/privacidade/pedidos/[0-9a-f-]+/exportar)"', page.text)
    assert action, page.text
    r = await web.post(action.group(1), data={"csrf_token": csrf_from(page.text), "password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"].startswith("/api/v1/privacy/exports/")
    archive = await web.get(r.headers["location"])
    assert archive.status_code == 200
    doc = json.loads(zipfile.ZipFile(io.BytesIO(archive.content)).read("data.json"))
    assert doc["data"]["users"][0]["email"] == "direitos@example.com"
    assert (await web.get(r.headers["location"])).status_code == 410


async def test_the_dpo_console(web: httpx.AsyncClient, container: Container) -> None:
    from ecovarejo.core.models import DEFAULT_TENANT_ID as TENANT
    from tests.integration.users.conftest import PASSWORD as API_PASSWORD
    from tests.support import bearer

    # a customer files a correction through the API
    body = {"email": "pede@example.com", "password": API_PASSWORD, "first_name": "Rita", "last_name": "Lee",
            "accept_terms": True, "accept_privacy": True}  # fmt: skip
    assert (await web.post("/api/v1/auth/register", json=body)).status_code == 201
    tokens = (await web.post("/api/v1/auth/login", json={"email": body["email"], "password": API_PASSWORD})).json()
    r = await web.post("/api/v1/privacy/requests", json={"kind": "correction"}, headers=bearer(tokens["access_token"]))
    assert r.status_code == 201
    web.cookies.clear()

    await make_staff(web, container, "dpo@example.com", user_type="customer", permissions=("handle_privacy",))
    home = await web.get("/admin")
    assert 'href="/admin/privacidade"' in home.text and 'href="/admin/clientes"' not in home.text
    page = await web.get("/admin/privacidade")
    assert page.status_code == 200 and "Correção" in page.text and "íntegra" in page.text
    action = re.search(r'action="(/admin/privacidade/[0-9a-f-]+)/identidade"', page.text)
    assert action
    r = await web.post(f"{action.group(1)}/identidade", data={"csrf_token": csrf_from(page.text), "method": "document"})
    assert r.status_code == 303 and "ok=saved" in r.headers["location"]
    page = await web.get("/admin/privacidade")
    r = await web.post(
        f"{action.group(1)}/responder", data={"csrf_token": csrf_from(page.text), "answer": "Corrigido."}
    )
    assert r.status_code == 303 and "ok=saved" in r.headers["location"]
    page = await web.get("/admin/privacidade?todos=1")
    assert "Corrigido." in page.text
    async with container.uow(TENANT, read_only=True) as uow:
        actions = [e.action for e in await privacy.recent_audit(uow)]
    assert "request.answered" in actions


async def test_staff_reading_customers_is_audited(web: httpx.AsyncClient, container: Container) -> None:
    from ecovarejo.core.models import DEFAULT_TENANT_ID as TENANT

    await make_staff(web, container, "atende2@example.com", user_type="customer", permissions=("manage_users",))
    assert (await web.get("/admin/clientes")).status_code == 200
    async with container.uow(TENANT, read_only=True) as uow:
        entries = await privacy.recent_audit(uow)
    read = next(e for e in entries if e.action == "staff_read.search")
    assert read.purpose.startswith("customer administration") and read.details["users"]


async def test_the_dpo_edits_the_retention_periods_on_the_admin_page(
    web: httpx.AsyncClient, container: Container
) -> None:
    await make_staff(web, container, "dpo-prazos@example.com", user_type="customer", permissions=("handle_privacy",))
    home = await web.get("/admin")
    assert 'href="/admin/privacidade/retencao"' in home.text
    page = await web.get("/admin/privacidade/retencao")
    assert page.status_code == 200 and "Prazos de retenção" in page.text and "Carrinhos abandonados" in page.text
    assert 'name="notification_days"' in page.text and 'value="90,00"' in page.text
    fields = dict(re.findall(r'name="([a-z_]+)" type="text" inputmode="decimal" required value="([^"]*)"', page.text))
    assert len(fields) == 8 and fields["visitor_consent_days"] == "365,00"
    assert "Escolhas de cookies de visitantes" in page.text
    token = csrf_from(page.text)
    bad = await web.post("/admin/privacidade/retencao", data={**fields, "csrf_token": token, "cart_days": "0"})
    assert bad.status_code == 303 and "err=retention_invalid" in bad.headers["location"]
    shown = await web.get(bad.headers["location"])
    assert "fora dos limites" in shown.text and 'value="1,00"' in shown.text  # nothing changed
    r = await web.post(
        "/admin/privacidade/retencao",
        data={
            **fields,
            "csrf_token": token,
            "notification_days": "30",
            "cart_days": "0,5",
            "ip_days": "1000",
            "visitor_consent_days": "90",
        },
    )
    assert r.status_code == 303 and "ok=saved" in r.headers["location"]
    page = await web.get("/admin/privacidade/retencao?lang=en")
    assert "Retention periods" in page.text and 'value="30.00"' in page.text and 'value="0.50"' in page.text
    assert 'value="1000.00"' in page.text and "Visitors&#39; cookie choices" in page.text
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        changed = [e for e in await privacy.recent_audit(uow) if e.action == "retention.periods_changed"]
    assert changed and changed[0].details["cart_days"] == 0.5 and changed[0].details["visitor_consent_days"] == 90


async def test_the_retention_page_needs_handle_privacy(web: httpx.AsyncClient, container: Container) -> None:
    await make_staff(web, container, "sem-dpo@example.com", user_type="customer", permissions=("manage_orders",))
    r = await web.get("/admin/privacidade/retencao")
    assert r.status_code == 403
