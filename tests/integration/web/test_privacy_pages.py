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

from .helpers import PASSWORD, csrf_from, register


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
