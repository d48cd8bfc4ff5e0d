"""The admin's product editor (issue #19, point 5): every field, variants with price and attributes,
certifications with the typed issuer and a document, SEO, the gallery's order, bulk actions; a refused
save keeps what was typed, answers in pt-BR next to the field and changes nothing."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
from PIL import Image

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from tests.support import bearer, token_for

from .catalog_fixture import make_catalog
from .helpers import csrf_from, make_staff


def _png(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buf, "PNG")
    return buf.getvalue()


def _form_fields(html: str) -> dict[str, Any]:
    """The editor's fields as the browser would post them (text inputs, textareas, selects, checkboxes)."""
    form = html[html.index('id="product-form"') : html.index("</form>", html.index('id="product-form"'))]
    out: dict[str, Any] = {}

    def put(name: str, value: str) -> None:
        if name in out:
            out[name] = [*(out[name] if isinstance(out[name], list) else [out[name]]), value]
        else:
            out[name] = value

    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="file"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                put(name.group(1), "on")
            continue
        put(name.group(1), (value.group(1) if value else "").replace("&amp;", "&").replace("&#34;", '"'))
    for name, body in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        put(name, body)
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        put(name, chosen.group(1) if chosen else "")
    return out


async def _setup(web: httpx.AsyncClient, container: Container) -> dict[str, Any]:
    catalog = await make_catalog(web, container)
    await make_staff(web, container, "editor@example.com", user_type="customer", permissions=("manage_products",))
    return catalog


async def _doc(web: httpx.AsyncClient, container: Container, ref: str) -> dict[str, Any]:
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    r = await web.get(f"/api/v1/products/{ref}", headers=root)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_every_field_is_edited_in_one_save_and_the_typed_issuer_is_kept(
    web: httpx.AsyncClient, container: Container
) -> None:
    await _setup(web, container)
    before = await _doc(web, container, "camiseta-organica-basica")
    page = await web.get(f"/admin/produtos/{before['id']}")
    assert page.status_code == 200 and 'value="ECO-TSHIRT-001-G"' in page.text
    fields = _form_fields(page.text)
    assert fields["name"] == "Camiseta Orgânica Básica" and fields["c_code"][0] == "GOTS"
    cats = await web.get("/admin/categorias")
    await web.post("/admin/categorias", data={"csrf_token": csrf_from(cats.text), "name": "Casa", "slug": "casa"})
    casa = next(c["id"] for c in (await web.get("/api/v1/categories")).json() if c["slug"] == "casa")
    fields.update(
        {
            "name": "Camiseta Orgânica Premium",
            "description": "Algodão orgânico certificado, tingimento natural.",
            "category_id": casa,
            "price": "99,90",
            "material": "Algodão orgânico",
            "colors": "Branco, Cru",
            "sizes": "M, G",
            "care": "Lavar a frio",
            "extra_attrs": "origem=Brasil; gramatura=160 g/m²",
            "meta_title": "Camiseta orgânica premium | Loja",
            "meta_description": "Camiseta de algodão orgânico GOTS.",
            "carbon_footprint_kg": "2,1",
            # variants: the first kept, the second removed (SKU cleared), a new one with its own price
            "v_sku": ["ECO-TSHIRT-001-M", "", "ECO-TSHIRT-001-GG", ""],
            "v_name": ["Branca M", "", "Cru GG", ""],
            "v_color": ["Branco", "", "Cru", ""],
            "v_size": ["M", "", "GG", ""],
            "v_price": ["", "", "109,90", ""],
            "v_attrs": ["", "", "caimento=amplo", ""],
            # a GOTS certificate issued by a certification body, not the standard's owner
            "c_code": ["GOTS", "FSC"],
            "c_level": ["organic", ""],
            "c_issuer": ["Control Union Certifications", ""],
            "c_expiry": ["2031-12-31", "2030-01-31"],
            "c_document": ["https://certificados.example.com/gots/123.pdf", ""],
            "csrf_token": csrf_from(page.text),
        }
    )
    r = await web.post(f"/admin/produtos/{before['id']}", data=fields)
    assert r.status_code == 303, r.text
    after = await _doc(web, container, before["id"])
    assert after["name"] == "Camiseta Orgânica Premium" and after["category"]["slug"] == "casa"
    assert after["price"]["amount"] == "99.90" and after["description"].startswith("Algodão orgânico certificado")
    assert after["attributes"]["color"] == ["Branco", "Cru"] and after["attributes"]["origem"] == "Brasil"
    assert after["attributes"]["care_instructions"] == "Lavar a frio"
    assert after["seo"] == {
        "meta_title": "Camiseta orgânica premium | Loja",
        "meta_description": "Camiseta de algodão orgânico GOTS.",
        "slug": "camiseta-organica-basica",
    }
    assert [(v["sku"], v["price"]["amount"], v["attributes"]) for v in after["variants"]] == [
        ("ECO-TSHIRT-001-M", "99.90", {}),
        ("ECO-TSHIRT-001-GG", "109.90", {"caimento": "amplo"}),
    ]
    certs = {c["code"]: c for c in after["sustainability"]["certifications"]}
    assert certs["GOTS"]["issuer"] == "Control Union Certifications"
    assert certs["GOTS"]["document_url"] == "https://certificados.example.com/gots/123.pdf"
    assert certs["FSC"]["issuer"] == "Forest Stewardship Council A.C."  # none typed: the registry's
    registry = {c["code"]: c for c in (await web.get("/api/v1/certifications")).json()}
    assert registry["GOTS"]["issuer"] == "Global Standard gGmbH"  # the registry itself is untouched
    again = await web.get(f"/admin/produtos/{before['id']}")
    assert 'value="Control Union Certifications"' in again.text
    shop = await web.get("/p/camiseta-organica-basica")
    assert "Control Union Certifications" in shop.text and "Camiseta Orgânica Premium" in shop.text


async def test_a_refused_save_keeps_what_was_typed_in_pt_br_and_changes_nothing(
    web: httpx.AsyncClient, container: Container
) -> None:
    await _setup(web, container)
    before = await _doc(web, container, "camiseta-organica-basica")
    page = await web.get(f"/admin/produtos/{before['id']}")
    fields = _form_fields(page.text) | {"csrf_token": csrf_from(page.text)}
    fields["name"] = "Nome Novo Que Não Deve Ficar"
    fields["v_price"] = ["abc", ""]
    fields["c_document"] = ["nao-e-um-link"]
    r = await web.post(f"/admin/produtos/{before['id']}", data=fields)
    assert r.status_code == 422
    main = r.text[r.text.index("<main") :]
    assert 'value="Nome Novo Que Não Deve Ficar"' in main and 'value="nao-e-um-link"' in main and 'value="abc"' in main
    assert re.search(r'id="pf-v_price-0"[^>]*aria-invalid="true"', main), main
    assert 'id="pf-v_price-0-err">Informe um número.</small>' in main
    assert 'id="pf-c_document-0-err">Valor inválido.</small>' in main
    assert "Corrija os campos indicados; nada foi salvo." in main
    assert "Input should" not in main and "String should" not in main
    assert (await _doc(web, container, before["id"]))["name"] == before["name"]
    # a local error (attributes without '=') is found before any save, next to its row
    fields.update({"v_price": ["", ""], "c_document": [""], "v_attrs": ["sem-igual", ""]})
    r = await web.post(f"/admin/produtos/{before['id']}", data=fields)
    assert r.status_code == 422 and 'id="pf-v_attrs-0-err">Use chave=valor' in r.text
    # a SKU of another product: the API's conflict shown next to the SKU, in English on an English page
    fields.update({"v_attrs": ["", ""], "sku": "TSHIRT-002"})
    r = await web.post(f"/admin/produtos/{before['id']}?lang=en", data=fields)
    assert r.status_code == 409 and 'id="pf-sku-err">That SKU is already in the catalog.</small>' in r.text
    assert (await _doc(web, container, before["id"]))["name"] == before["name"]


async def test_a_new_product_with_a_broken_image_is_not_half_saved(
    web: httpx.AsyncClient, container: Container
) -> None:
    await _setup(web, container)
    form = await web.get("/admin/produtos/novo")
    fields = {"csrf_token": csrf_from(form.text), "name": "Pote de Vidro", "sku": "POTE-001", "price": "25"}
    r = await web.post("/admin/produtos/novo", data=fields, files={"image": ("pote.png", b"not an image", "image/png")})
    assert r.status_code == 422
    assert 'id="pf-image-err">O arquivo não é uma imagem válida' in r.text and 'value="Pote de Vidro"' in r.text
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    assert (await web.get("/api/v1/products/pote-de-vidro", headers=root)).status_code == 404


async def test_the_gallery_is_reordered_with_its_alt_texts_and_an_image_removed(
    web: httpx.AsyncClient, container: Container
) -> None:
    await _setup(web, container)
    p = await _doc(web, container, "camiseta-organica-basica")
    page = await web.get(f"/admin/produtos/{p['id']}")
    for name, colour in (("verde.png", (0, 128, 0)), ("azul.png", (0, 0, 200))):
        r = await web.post(
            f"/admin/produtos/{p['id']}/imagens",
            data={"csrf_token": csrf_from(page.text), "image_alt": name.split(".")[0]},
            files={"image": (name, _png(colour), "image/png")},
        )
        assert r.status_code == 303, r.text
    media = (await _doc(web, container, p["id"]))["media"]
    assert [m["alt"] for m in media] == ["verde", "azul"]
    first, second = media[0]["id"], media[1]["id"]
    r = await web.post(
        f"/admin/produtos/{p['id']}/galeria",
        data={
            "csrf_token": csrf_from(page.text),
            f"pos_{first}": "2",
            f"pos_{second}": "1",
            f"alt_{second}": "Camiseta azul dobrada",
        },
    )
    assert r.status_code == 303, r.text
    doc = await _doc(web, container, p["id"])
    assert [m["id"] for m in doc["media"]] == [second, first]
    assert doc["media"][0]["alt"] == "Camiseta azul dobrada"
    assert doc["image_url"] == doc["media"][0]["thumbnails"].get("480", doc["media"][0]["url"])
    r = await web.post(f"/admin/produtos/{p['id']}/imagens/{second}/remover", data={"csrf_token": csrf_from(page.text)})
    assert r.status_code == 303
    assert [m["id"] for m in (await _doc(web, container, p["id"]))["media"]] == [first]
    # an order naming an image of no product is refused whole (the API, as the page would call it)
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    bad = await web.put(f"/api/v1/products/{p['id']}/media", json={"order": [second]}, headers=root)
    assert bad.status_code == 422 and bad.json()["code"] == "media_order_mismatch"


async def test_bulk_status_and_category_for_the_selected_products(web: httpx.AsyncClient, container: Container) -> None:
    await _setup(web, container)
    listing = await web.get("/admin/produtos")
    ids = re.findall(r'name="ids" value="([0-9a-f-]{36})"', listing.text)
    assert len(ids) >= 2
    r = await web.post(
        "/admin/produtos/lote", data={"csrf_token": csrf_from(listing.text), "ids": ids[:2], "action": "archived"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/produtos?ok=bulk_done"
    for i in ids[:2]:
        assert (await _doc(web, container, i))["status"] == "archived"
    cats = await web.get("/admin/categorias")
    await web.post("/admin/categorias", data={"csrf_token": csrf_from(cats.text), "name": "Outlet", "slug": "outlet"})
    outlet = next(c["id"] for c in (await web.get("/api/v1/categories")).json() if c["slug"] == "outlet")
    r = await web.post(
        "/admin/produtos/lote",
        data={"csrf_token": csrf_from(listing.text), "ids": ids[:2], "action": "category", "category_id": outlet},
    )
    assert r.status_code == 303
    for i in ids[:2]:
        doc = await _doc(web, container, i)
        assert doc["category"]["slug"] == "outlet" and doc["status"] == "archived"
    r = await web.post(
        "/admin/produtos/lote", data={"csrf_token": csrf_from(listing.text), "ids": ids[:2], "action": "active"}
    )
    assert r.status_code == 303
    assert [(await _doc(web, container, i))["status"] for i in ids[:2]] == ["active", "active"]
    # nothing ticked: a message, nothing changed
    r = await web.post("/admin/produtos/lote", data={"csrf_token": csrf_from(listing.text), "action": "draft"})
    assert r.headers["location"] == "/admin/produtos?err=bulk_nothing"
    shown = await web.get(r.headers["location"])
    assert "Selecione produtos e uma ação" in shown.text
    # one unknown id among them: refused whole
    root = bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))
    bad = await web.post(
        "/api/v1/products/bulk",
        json={"ids": [ids[0], "0190c0de-0000-7000-8000-000000000000"], "status": "draft"},
        headers=root,
    )
    assert bad.status_code == 404
    assert (await _doc(web, container, ids[0]))["status"] == "active"
