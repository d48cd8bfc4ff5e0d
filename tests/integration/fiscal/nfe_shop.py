"""A shop that issues NF-e through the fake Focus NFe: tax settings with the issuer's CNPJ, products'
fiscal data, a consumer with a CPF and a company buyer, and helpers to buy and to read the note."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ecovarejo.fiscal.models import Nfe
from ecovarejo.fiscal.plugin import install_nfe
from ecovarejo.fiscal.settings import FiscalSettings
from tests.integration.orders.shop import Shop, checkout_body, open_shop
from tests.support import bearer, eventually

from .fakes.focusnfe import TOKEN, FocusNfeFake

PASSWORD = "correct horse battery staple 42"
ISSUER = "11222333000181"
COMPANY = {"cnpj": "12.ABC.345/01DE-35", "legal_name": "Verde Atacado Ltda", "state_registration": "110.042.490.114"}
BAHIA = {
    "recipient": "Ana Souza",
    "street": "Avenida Sete de Setembro",
    "number": "200",
    "district": "Centro",
    "city": "Salvador",
    "state": "BA",
    "postal_code": "40060-000",
}


@dataclass
class NfeShop:
    shop: Shop
    fake: FocusNfeFake

    @property
    def h(self) -> dict[str, str]:
        return self.shop.h

    async def register(self, client, email: str, **extra: Any) -> dict[str, str]:
        body = {
            "email": email,
            "password": PASSWORD,
            "first_name": "Ana",
            "last_name": "Souza",
            "accept_terms": True,
            "accept_privacy": True,
            **extra,
        }
        r = await client.post("/api/v1/auth/register", json=body, headers=self.h)
        assert r.status_code == 201, r.text
        r = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}, headers=self.h)
        assert r.status_code == 200, r.text
        return {**self.h, **bearer(r.json()["access_token"])}

    async def buy(self, client, headers: dict[str, str], key: str, **body: Any) -> dict[str, Any]:
        payload = checkout_body(items=[{"sku": "TEE", "quantity": 2}, {"sku": "MUG", "quantity": 1}], **body)
        r = await client.post("/api/v1/orders", json=payload, headers={**headers, "Idempotency-Key": key})
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "paid"
        return dict(r.json())

    async def note(self, order_id: str) -> Nfe | None:
        async with self.shop.container.uow(self.shop.tenant_id, read_only=True) as uow:
            return await uow.session.scalar(select(Nfe).where(Nfe.order_id == uuid.UUID(order_id)))

    async def note_in(self, order_id: str, *statuses: str) -> Nfe:
        async def reached() -> Nfe | None:
            row = await self.note(order_id)
            return row if row is not None and row.status in statuses else None

        return await eventually(reached, message=f"NF-e of {order_id} in {statuses}")

    def sent(self, order_id: str) -> dict[str, Any]:
        return next(n.payload for n in self.fake.notes.values() if n.ref.endswith(uuid.UUID(order_id).hex))


async def open_nfe_shop(container, client, focus: tuple[FocusNfeFake, str], **settings: Any) -> NfeShop:
    fake, url = focus
    install_nfe(
        container,
        FiscalSettings(
            focusnfe_api_base=url,
            focusnfe_token=TOKEN,
            nfe_timeout=2.0,
            nfe_retry_base=60.0,
            nfe_max_attempts=3,
            # The fake's XML follows the official 4.00 layout: where lxml and nfelib are installed, every
            # note the tests issue is validated against the XSD (and a complaint would flag it).
            **settings,
        ),
    )
    shop = await open_shop(container)
    shop.catalog.put("TEE", "100.00", name="Camiseta de algodão orgânico")
    shop.catalog.put("MUG", "50.00", name="Caneca de cerâmica")
    await shop.stock("TEE", 50)
    await shop.stock("MUG", 50)
    r = await client.put(
        "/api/v1/admin/fiscal/settings",
        headers=shop.admin,
        json={"origin_state": "SP", "regime": "regular", "issuer_cnpj": "11.222.333/0001-81"},
    )
    assert r.status_code == 200 and r.json()["issuer_cnpj"] == ISSUER, r.text
    for sku, ncm in (("TEE", "61091000"), ("MUG", "69120000")):
        r = await client.put(f"/api/v1/admin/fiscal/products/{sku}", json={"ncm": ncm}, headers=shop.admin)
        assert r.status_code == 200, r.text
    return NfeShop(shop, fake)
