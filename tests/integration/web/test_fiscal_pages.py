"""Admin tax settings page (pt-BR and English): a bad rate is explained in the reader's language and
nothing is saved; a good form saves the origin state, regime and overrides."""

from __future__ import annotations

import httpx

from ecovarejo.core.container import Container

from .helpers import csrf_from, make_staff


async def test_admin_sets_origin_state_and_rates(web: httpx.AsyncClient, container: Container) -> None:
    await make_staff(web, container, "fiscal@example.com", user_type="customer", permissions=("manage_orders",))
    page = await web.get("/admin/fiscal")
    assert page.status_code == 200 and 'href="/admin/fiscal"' in page.text and "Estado de origem" in page.text
    form = {"csrf_token": csrf_from(page.text), "origin_state": "SP", "regime": "regular", "tax_inclusive": "on"}
    bad = await web.post("/admin/fiscal", data={**form, "rate_SP": "18,123"})
    assert bad.status_code == 422 and "Alíquota inválida" in bad.text
    assert "Versão: 0" in (await web.get("/admin/fiscal")).text  # nothing saved
    saved = await web.post("/admin/fiscal", data={**form, "rate_SP": "18,5"})
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/fiscal?ok=fiscal_saved"
    shown = await web.get("/admin/fiscal?ok=fiscal_saved")
    assert "Configuração de impostos salva." in shown.text and 'value="18.5"' in shown.text
    assert '<option value="SP" selected>' in shown.text
    assert '<option value="cumulative" selected>Cumulativo (Lucro Presumido): PIS 0,65 %, COFINS 3 %' in shown.text
    wrong = await web.post("/admin/fiscal", data={**form, "pis_cofins": "lucro"})
    assert wrong.status_code == 422 and "Escolha o regime de PIS/COFINS" in wrong.text
    saved = await web.post("/admin/fiscal", data={**form, "pis_cofins": "non_cumulative"})
    assert saved.status_code == 303
    assert '<option value="non_cumulative" selected>' in (await web.get("/admin/fiscal")).text
    english = await web.get("/admin/fiscal?lang=en")
    assert "Origin state" in english.text and "Estado de origem" not in english.text
    assert "Non-cumulative (Lucro Real): PIS 1.65 %, COFINS 7.6 %" in english.text
