"""Recommendations on the storefront's pages: the product page shows a greener alternative (from the
catalog before any model exists, from the model after training) and what is bought together; the home
page adds "Para você" for a signed-in customer only."""

from __future__ import annotations

import httpx

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.ml import public as ml
from tests.integration.ml import history

from .helpers import register


def section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</section>", start)]


async def test_product_and_home_pages_recommend(web: httpx.AsyncClient, container: Container) -> None:
    items = await history.catalog(container, DEFAULT_TENANT_ID)
    first, partner, plain, greenest = items[0], items[1], items[2], items[7]

    # no model: the page still renders, with the catalog's greener product and nothing "bought together"
    page = (await web.get(f"/p/{plain.slug}")).text
    assert "Alternativa mais verde" in page and "Higiene item 7 refil ecológico" in section(page, "h-greener")
    assert "Comprados juntos" not in page
    assert "Alternativa mais verde" not in (await web.get(f"/p/{greenest.slug}")).text  # nothing greener

    await history.orders(container, DEFAULT_TENANT_ID, items)
    [trained] = await ml.train(container, DEFAULT_TENANT_ID, ["recommendations"])
    assert trained.promoted

    page = (await web.get(f"/p/{first.slug}")).text
    together = section(page, "h-together")
    assert "Comprados juntos" in together and "Higiene item 1 comum" in together, together
    assert partner.slug in together
    assert "Higiene item 7 refil ecológico" in section((await web.get(f"/p/{plain.slug}")).text, "h-greener")

    assert "Para você" not in (await web.get("/")).text  # anonymous: no personal block
    r = await register(web, "bia@example.com", "Bia")
    assert r.status_code == 303, r.text
    home = (await web.get("/")).text
    assert "Para você" in home and "product-card" in section(home, "h-for-you")

    # English (the choice is remembered)
    assert "Frequently bought together" in (await web.get(f"/p/{first.slug}?lang=en")).text
    assert "Greener alternative" in (await web.get(f"/p/{plain.slug}")).text
    assert "For you" in (await web.get("/")).text
