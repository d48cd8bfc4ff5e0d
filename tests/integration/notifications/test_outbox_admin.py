"""Embedded mode (no SMTP configured): email lands as .eml files in a per-tenant folder under DATA_DIR,
which admins read through the API."""

from __future__ import annotations

import uuid

from .events_data import registered


def verification(user_id: uuid.UUID, locale: str = "pt-BR") -> dict:
    return {
        "user_id": str(user_id),
        "email": "novo@example.com",
        "first_name": "Bruno",
        "locale": locale,
        "token": "abc",
        "verify_url": "https://loja.example.com/verify?token=abc&x=<1>",
        "expires_at": "2026-11-30T03:00:00+00:00",
    }


async def test_outbox_folder_and_admin_api(envs, nsettings) -> None:
    env = await envs()
    user = uuid.uuid4()
    await env.emit("user-events", "user.registered", registered(user, email="novo@example.com"))
    await env.emit("user-events", "user.email_verification_requested", verification(user))
    [msg] = await env.settle(1)
    assert msg.status == "sent" and msg.template == "email_verification"
    folder = nsettings.data_dir / "mail-outbox" / str(env.tenant)
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 1 and files[0].endswith(f"-{msg.id}.eml")

    admin = env.auth("admin")
    r = await env.client.get("/api/v1/admin/notifications/outbox", headers=admin)
    assert r.status_code == 200
    [item] = r.json()["items"]
    assert item["name"] == files[0] and item["to"] == "novo@example.com"
    assert item["subject"] == "Confirme seu e-mail" and "EcoVarejo" not in item["to"]

    r = await env.client.get(f"/api/v1/admin/notifications/outbox/{files[0]}", headers=admin)
    assert r.status_code == 200
    body = r.json()
    assert body["headers"]["Content-Language"] == "pt-BR"
    assert body["headers"]["Content-Type"].startswith("multipart/alternative")
    assert "Olá, Bruno!" in body["text"] and "https://loja.example.com/verify?token=abc&x=<1>" in body["text"]
    assert "verify?token=abc&amp;x=&lt;1&gt;" in body["html"]  # autoescaped in HTML
    assert "30/11/2026 00:00" in body["text"]  # shown in São Paulo time

    r = await env.client.get(f"/api/v1/admin/notifications/outbox/{files[0]}/raw", headers=admin)
    assert r.status_code == 200 and r.headers["content-type"] == "message/rfc822"
    assert b"Subject: Confirme seu e-mail" in r.content


async def test_outbox_api_requires_an_admin_and_a_valid_name(envs) -> None:
    env = await envs()
    r = await env.client.get("/api/v1/admin/notifications/outbox")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    r = await env.client.get("/api/v1/admin/notifications/outbox", headers=env.auth("customer"))
    assert r.status_code == 403 and r.json()["code"] == "role_required"
    admin = env.auth("admin")
    for name in ("..%2F..%2Fsecret.key", "x.eml", "20260101T000000-00000000-0000-0000-0000-000000000000.eml"):
        r = await env.client.get(f"/api/v1/admin/notifications/outbox/{name}", headers=admin)
        assert r.status_code == 404, name
    r = await env.client.get("/api/v1/admin/notifications/outbox?limit=0", headers=admin)
    assert r.status_code == 422


async def test_outbox_is_per_tenant(envs) -> None:
    env = await envs()
    await env.emit("user-events", "user.email_verification_requested", verification(uuid.uuid4(), locale="en"))
    await env.settle(1)
    r = await env.client.get("/api/v1/admin/notifications/outbox", headers=env.auth("admin"))
    [item] = r.json()["items"]
    assert item["subject"] == "Confirm your email address"
    # An admin of another tenant sees none of it.
    from tests.support import make_tenant

    other = await make_tenant(env.container)
    env.tenant, mine = other, env.tenant
    r = await env.client.get(
        "/api/v1/admin/notifications/outbox", headers={**env.auth("admin"), "X-Tenant-ID": str(other)}
    )
    assert r.status_code == 200 and r.json()["items"] == []
    r = await env.client.get(
        f"/api/v1/admin/notifications/outbox/{item['name']}", headers={**env.auth("admin"), "X-Tenant-ID": str(other)}
    )
    assert r.status_code == 404
    env.tenant = mine


async def test_outbox_api_is_off_when_smtp_is_configured(envs, notif_env) -> None:
    notif_env(smtp_url="smtp://127.0.0.1:2525", smtp_tls="none")
    env = await envs()
    r = await env.client.get("/api/v1/admin/notifications/outbox", headers=env.auth("admin"))
    assert r.status_code == 404 and r.json()["code"] == "outbox_disabled"


async def test_admin_sees_and_retries_only_its_tenants_messages(envs, notif_env) -> None:
    from ecovarejo.core.db import utcnow
    from ecovarejo.notifications.models import NotificationMessage
    from tests.support import make_tenant

    env = await envs()
    await env.emit("user-events", "user.email_verification_requested", verification(uuid.uuid4()))
    [msg] = await env.settle(1)
    async with env.container.db.system_session() as s:  # pretend it died
        row = await s.get(NotificationMessage, msg.id)
        row.status, row.updated_at = "dead", utcnow()
        await s.commit()
    other = await make_tenant(env.container)
    mine = env.tenant
    env.tenant = other
    foreign = {**env.auth("admin"), "X-Tenant-ID": str(other)}
    r = await env.client.get("/api/v1/admin/notifications/messages", headers=foreign)
    assert r.status_code == 200 and r.json()["items"] == []
    r = await env.client.post(f"/api/v1/admin/notifications/messages/{msg.id}/retry", headers=foreign)
    assert r.status_code == 404 and r.json()["code"] == "message_not_found"
    env.tenant = mine
    r = await env.client.get("/api/v1/admin/notifications/messages?status=dead&limit=1", headers=env.auth("admin"))
    assert [i["id"] for i in r.json()["items"]] == [str(msg.id)] and r.json()["next_cursor"] == str(msg.id)
    r = await env.client.get(f"/api/v1/admin/notifications/messages?cursor={msg.id}", headers=env.auth("admin"))
    assert r.json() == {"items": [], "next_cursor": None}
    r = await env.client.get("/api/v1/admin/notifications/messages?cursor=nope", headers=env.auth("admin"))
    assert r.status_code == 422 and r.json()["code"] == "invalid_cursor"
