"""Preferences per user and channel, marketing only with recorded consent (LGPD), transactional always,
and the one-click unsubscribe link (RFC 8058) that works without signing in."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from ecovarejo.core.models import OutboxEvent
from ecovarejo.notifications.tokens import make_unsubscribe_token
from tests.support import eventually

from .events_data import registered, reset


def promotion(user: uuid.UUID, locale: str = "pt-BR") -> dict:
    return {
        "template": "promotion",
        "to_user_id": str(user),
        "locale": locale,
        "channel": "email",
        "category": "marketing",
        "context": {
            "headline": "Semana do lixo zero",
            "message": "20% em refis <b>a granel</b>",
            "cta_url": "https://loja.example.com/ofertas",
        },
    }


def consent(user: uuid.UUID, granted: bool) -> dict:
    return {
        "user_id": str(user),
        "email": "ana@example.com",
        "purpose": "marketing",
        "granted": granted,
        "policy_version": "2026-10",
        "channel": "web",
    }


async def test_marketing_needs_recorded_consent(smtp_server, envs, notif_env) -> None:
    notif_env(smtp_url=smtp_server.url, smtp_tls="none")
    env = await envs()
    user = uuid.uuid4()
    await env.emit("user-events", "user.registered", registered(user))
    await env.emit("notification", "notification.requested", promotion(user))
    [msg] = await env.settle(1)
    assert msg.status == "suppressed" and msg.last_error == "no_marketing_consent" and msg.category == "marketing"

    await env.emit("user-events", "user.consent_changed", consent(user, True))
    await env.emit("notification", "notification.requested", promotion(user))
    msgs = await env.settle(2)
    assert msgs[-1].status == "sent"
    await eventually(lambda: len(smtp_server.handler.messages) == 1)
    mail = smtp_server.handler.messages[0]
    assert mail["Subject"] == "Semana do lixo zero"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = mail["List-Unsubscribe"].strip("<>")
    assert unsubscribe_url.startswith("http://localhost:8000/api/v1/notifications/unsubscribe?token=")
    text = mail.get_body(("plain",)).get_content()
    assert unsubscribe_url in text and "20% em refis <b>a granel</b>" in text
    assert "20% em refis &lt;b&gt;a granel&lt;/b&gt;" in mail.get_body(("html",)).get_content()

    r = await env.client.get("/api/v1/notifications/preferences", headers=env.auth(user_id=user))
    assert r.json()["marketing_consent"] is True

    # Consent withdrawn: marketing stops again.
    await env.emit("user-events", "user.consent_changed", consent(user, False))
    await env.emit("notification", "notification.requested", promotion(user))
    msgs = await env.settle(3)
    assert msgs[-1].status == "suppressed" and len(smtp_server.handler.messages) == 1


async def test_one_click_unsubscribe_without_signing_in(smtp_server, envs, notif_env) -> None:
    notif_env(smtp_url=smtp_server.url, smtp_tls="none")
    env = await envs()
    user = uuid.uuid4()
    await env.emit("user-events", "user.registered", registered(user, marketing_opt_in=True))
    await env.emit("notification", "notification.requested", promotion(user))
    await env.settle(1)
    await eventually(lambda: len(smtp_server.handler.messages) == 1)
    url = urlsplit(smtp_server.handler.messages[0]["List-Unsubscribe"].strip("<>"))
    path = f"{url.path}?{url.query}"

    # A GET (a link scanner, or the footer link) only shows a confirmation page.
    r = await env.client.get(path, headers={"Accept-Language": "pt-BR"})
    assert r.status_code == 200 and "Cancelar inscrição" in r.text and 'method="post"' in r.text
    r = await env.client.get("/api/v1/notifications/preferences", headers=env.auth(user_id=user))
    assert r.json()["channels"]["email"] is True

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", no cookies, no token.
    r = await env.client.post(
        path, content="List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 200 and r.json() == {"unsubscribed": True, "channel": "email"}
    r = await env.client.get("/api/v1/notifications/preferences", headers=env.auth(user_id=user))
    assert r.json()["channels"]["email"] is False

    # Marketing email stops; transactional email still goes.
    await env.emit("notification", "notification.requested", promotion(user))
    await env.emit("user-events", "user.password_reset_requested", reset(user))
    msgs = await env.settle(3)
    assert [(m.template, m.status, m.last_error) for m in msgs[1:]] == [
        ("promotion", "suppressed", "channel_disabled"),
        ("password_reset", "sent", None),
    ]
    # The change is announced for the privacy context's ledger, once even if the link is used twice.
    r = await env.client.post(path)
    assert r.status_code == 200
    async with env.container.db.system_session() as s:
        from sqlalchemy import select

        rows = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == "notification.unsubscribed"))).all()
    assert len(rows) == 1 and rows[0].envelope["data"] == {
        "user_id": str(user),
        "channel": "email",
        "category": "marketing",
    }


async def test_forged_or_foreign_unsubscribe_tokens_are_refused(envs) -> None:
    env = await envs()
    user = uuid.uuid4()
    forged = make_unsubscribe_token("another-secret", env.tenant, user, "email")
    for token in (forged, "garbage", forged[:-3] + "abc"):
        r = await env.client.post(f"/api/v1/notifications/unsubscribe?token={token}")
        assert r.status_code == 422 and r.json()["code"] == "invalid_unsubscribe_token"
        r = await env.client.get(f"/api/v1/notifications/unsubscribe?token={token}")
        assert r.status_code == 422
    r = await env.client.post("/api/v1/notifications/unsubscribe")
    assert r.status_code == 422
    # A valid token for a channel that does not exist changes nothing.
    secret = env.container.settings.load_secret_key()
    odd = make_unsubscribe_token(secret, env.tenant, user, "fax")
    r = await env.client.post(f"/api/v1/notifications/unsubscribe?token={odd}")
    assert r.status_code == 422


async def test_preferences_api(envs) -> None:
    env = await envs()
    user = uuid.uuid4()
    auth = env.auth(user_id=user)
    r = await env.client.get("/api/v1/notifications/preferences", headers=auth)
    assert r.status_code == 200
    assert r.json()["channels"] == {"email": True, "sms": False, "whatsapp": False, "push": True}
    r = await env.client.put(
        "/api/v1/notifications/preferences", json={"channels": {"sms": True, "push": False}}, headers=auth
    )
    assert r.json()["channels"] == {"email": True, "sms": True, "whatsapp": False, "push": False}
    r = await env.client.put("/api/v1/notifications/preferences", json={"channels": {"fax": True}}, headers=auth)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    r = await env.client.put("/api/v1/notifications/preferences", json={"channels": {}}, headers=auth)
    assert r.status_code == 422
    r = await env.client.get("/api/v1/notifications/preferences")
    assert r.status_code == 401
    # Each user sees their own.
    r = await env.client.get("/api/v1/notifications/preferences", headers=env.auth())
    assert r.json()["channels"]["sms"] is False


async def test_transactional_email_goes_even_with_email_turned_off(envs) -> None:
    env = await envs()
    user = uuid.uuid4()
    r = await env.client.put(
        "/api/v1/notifications/preferences", json={"channels": {"email": False}}, headers=env.auth(user_id=user)
    )
    assert r.status_code == 200
    await env.emit("user-events", "user.password_reset_requested", reset(user))
    [msg] = await env.settle(1)
    assert msg.status == "sent"


async def test_generic_request_with_bad_template_sends_nothing(envs) -> None:
    env = await envs()
    user = uuid.uuid4()
    await env.emit("notification", "notification.requested", {**promotion(user), "template": "nope"})
    await env.emit("notification", "notification.requested", {**promotion(user), "context": {}})  # missing fields
    await env.emit(
        "notification",
        "notification.requested",
        {
            "template": "password_reset",
            "to_email": "x@example.com",
            "context": reset(user),
            "channel": "email",
            "category": "transactional",
        },
    )
    [msg] = await env.settle(1)
    assert msg.to_address == "x@example.com" and msg.status == "sent"


async def test_registration_opt_in_does_not_override_the_consent_ledger(envs) -> None:
    env = await envs()
    user = uuid.uuid4()
    # The users context records consent (ledger) and then announces the registration.
    await env.emit("user-events", "user.consent_changed", consent(user, True))
    await env.emit("user-events", "user.registered", registered(user, marketing_opt_in=True))
    other = uuid.uuid4()
    await env.emit("user-events", "user.registered", registered(other, email="bia@example.com", marketing_opt_in=True))
    await env.emit("notification", "notification.requested", promotion(user))
    await env.emit("notification", "notification.requested", promotion(other))
    msgs = await env.settle(2)
    assert [m.status for m in msgs] == ["sent", "sent"]
    async with env.container.db.system_session() as s:
        from sqlalchemy import select

        from ecovarejo.notifications.models import Recipient

        versions = {r.user_id: r.marketing_consent_version for r in (await s.scalars(select(Recipient))).all()}
    assert versions == {user: "2026-10", other: "registration"}


async def test_marketing_goes_only_to_the_consenting_address_and_bad_addresses_are_refused(envs) -> None:
    env = await envs()
    user = uuid.uuid4()
    await env.emit("user-events", "user.registered", registered(user, marketing_opt_in=True))
    await env.emit(
        "notification", "notification.requested", {**promotion(user), "to_email": "someone-else@example.com"}
    )
    injected = {
        "template": "password_reset",
        "to_email": "x@example.com\r\nBcc: victim@example.com",
        "context": reset(user),
        "channel": "email",
        "category": "transactional",
    }
    await env.emit("notification", "notification.requested", injected)
    await env.emit("notification", "notification.requested", {**injected, "to_email": "not-an-address"})
    last = await env.emit("notification", "notification.requested", {**injected, "to_email": "ok@example.com"})
    await env.handled(last, "notifications.requests")
    msgs = await env.settle(2)
    assert [(m.template, m.to_address, m.status) for m in msgs] == [
        ("promotion", "ana@example.com", "sent"),
        ("password_reset", "ok@example.com", "sent"),
    ]
