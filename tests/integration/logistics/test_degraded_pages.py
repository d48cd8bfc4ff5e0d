"""A carrier down never breaks a storefront page: with Correios' and Melhor Envio's fakes answering 503
(and then their circuits open), the product page, the cart and the checkout still list priced options
from the table rates, in pt-BR, with no error page; when they come back, their services return."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.logistics.plugin import install_logistics
from tests.integration.web.catalog_fixture import make_catalog
from tests.integration.web.helpers import csrf_from, register
from tests.support import bearer, token_for


@pytest.fixture
async def web(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    from ecovarejo.app import create_app

    transport = httpx.ASGITransport(app=create_app(container=container), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


async def test_pages_list_table_rates_while_the_carriers_are_down(
    web, container, carrier_settings, correios, melhorenvio
) -> None:
    ports = install_logistics(container, carrier_settings)
    await make_catalog(web, container)
    staff = {"X-Tenant-ID": str(DEFAULT_TENANT_ID), **bearer(token_for(container, DEFAULT_TENANT_ID, "admin"))}
    doc = (await web.get("/api/v1/admin/shipping/config", headers=staff)).json()["document"]
    doc["carriers"] = {"table_rate": False, "correios": ["03298", "03220"], "melhorenvio": [1, 2]}
    r = await web.put("/api/v1/admin/shipping/config", headers=staff, json=doc)
    assert r.status_code == 200, r.text
    correios[0].down = melhorenvio[0].down = True

    page = await web.get("/p/camiseta-organica-basica?cep=69005-040")
    assert page.status_code == 200
    product = _main(page.text)
    # the table rates answer although switched off: no external carrier did
    assert "Entrega padrão" in product and "R$ 44,90" in product
    assert set(re.findall(r'data-carrier="([a-z_]+)"', product)) == {"table_rate"}
    await web.post(
        "/carrinho/itens", data={"csrf_token": csrf_from(page.text), "sku": "ECO-TSHIRT-001-M", "quantity": "1"}
    )
    for _ in range(3):  # again and again: the circuits open, the pages keep answering
        cart = await web.get("/carrinho?cep=69005-040")
        assert cart.status_code == 200
        assert "Entrega padrão" in _main(cart.text) and "kg CO₂e" in _main(cart.text)
    assert ports.engine.breaker("correios").state == "open" and ports.engine.breaker("melhorenvio").state == "open"
    calls = len(correios[0].calls)
    await register(web, "frete-fora@example.com")
    checkout = await web.get("/checkout?cep=01310-100")
    assert checkout.status_code == 200
    assert 'name="shipping_option"' in _main(checkout.text) and "Entrega padrão" in _main(checkout.text)
    assert len(correios[0].calls) == calls  # an open circuit is not even asked

    # back up, circuits closed again (after the cool-down): their services are offered once more
    correios[0].down = melhorenvio[0].down = False
    for name in ("correios", "melhorenvio"):
        ports.engine.breaker(name).success()
    await ports.engine.cache.clear(DEFAULT_TENANT_ID)
    cart = _main((await web.get("/carrinho?cep=69005-040")).text)
    assert {"correios", "melhorenvio"} <= set(re.findall(r'data-carrier="([a-z_]+)"', cart))
