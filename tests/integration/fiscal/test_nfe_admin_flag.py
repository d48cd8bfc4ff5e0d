"""A rejected NF-e leaves its order paid and is flagged where staff look at orders: the admin order page
(status, SEFAZ's reason, a link to the NF-e desk) and the admin orders list (an NF-e column). pt-BR."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from ecovarejo.core.models import Tenant
from tests.integration.web.helpers import enable_mfa, register, sign_in

from .nfe_shop import open_nfe_shop

HOST = "nfe-loja.example"


async def test_rejected_note_is_flagged_on_the_admin_order_pages(container, client, focus):
    s = await open_nfe_shop(container, client, focus)
    async with container.db.system_session() as db:  # the shop's pages answer at its own host
        await db.execute(update(Tenant).where(Tenant.id == s.shop.tenant_id).values(domain=HOST))
        await db.commit()
    ana = await s.register(client, "ana@example.com", cpf="529.982.247-25")
    s.fake.reject_next = ("778", "Rejeição: Informado NCM inexistente")
    rejected = (await s.buy(client, ana, "nfe-rej"))["id"]
    await s.note_in(rejected, "rejected")
    fine = (await s.buy(client, ana, "nfe-ok"))["id"]
    await s.note_in(fine, "authorized")

    from ecovarejo.app import create_app

    transport = httpx.ASGITransport(app=create_app(container=container), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=f"https://{HOST}") as web:
        await register(web, "staff@example.com")
        me = await web.get("/api/v1/users/profile", headers={"Authorization": f"Bearer {web.cookies['ev_access']}"})
        r = await web.put(f"/api/v1/admin/users/{me.json()['id']}/role", headers=s.shop.admin,
                          json={"user_type": "customer", "permissions": ["manage_orders"]})  # fmt: skip
        assert r.status_code == 200, r.text
        totp = await enable_mfa(web)
        web.cookies.clear()
        assert (await sign_in(web, "staff@example.com", totp=totp, admin=True)).status_code == 303

        page = await web.get(f"/admin/pedidos/{rejected}")
        assert page.status_code == 200, page.text
        assert 'data-status="paid"' in page.text  # the order stays paid
        assert 'id="order-nfe-flag"' in page.text and "Precisa de atenção" in page.text
        assert "Rejeitada" in page.text and "Rejeição: Informado NCM inexistente" in page.text
        other = await web.get(f"/admin/pedidos/{fine}")
        assert "Autorizada" in other.text and 'id="order-nfe-flag"' not in other.text

        listing = await web.get("/admin/pedidos")
        assert listing.status_code == 200 and listing.text.count("⚠ Rejeitada") == 1
