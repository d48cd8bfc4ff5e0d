"""Changing the account's e-mail with verification (issue #15 point 2): a single-use, expiring link to the new
address, a notice to the old one with "it was not me", nothing changes before confirmation, sessions end,
no enumeration of the new address, every step in the audit log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select, update

from ecovarejo.privacy.models import AuditEntry
from ecovarejo.privacy.public import verify_audit_chain
from ecovarejo.users.models import EmailChange

from .conftest import PASSWORD, Api


def _token(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


async def _requests(api: Api) -> list[dict]:
    return await api.events("notification.requested")


async def _change(api: Api, tokens: dict, new_email: str, password: str = PASSWORD) -> dict:
    r = await api.client.post(
        "/api/v1/users/email-change", json={"new_email": new_email, "password": password}, headers=api.auth(tokens)
    )
    assert r.status_code == 202, r.text
    return r.json()


def _new_email() -> str:
    return f"novo{uuid.uuid4().hex[:8]}@example.com"


async def _audit_actions(api: Api, user_id: str) -> list[str]:
    async with api.container.db.system_session() as s:
        rows = (
            await s.scalars(
                select(AuditEntry.action).where(AuditEntry.subject_id == uuid.UUID(user_id)).order_by(AuditEntry.seq)
            )
        ).all()
    return [a for a in rows if a.startswith("email_change.")]


async def test_the_change_applies_only_from_the_link_sent_to_the_new_address(api: Api) -> None:
    profile, tokens = await api.user()
    old = profile["email"]
    new = _new_email()
    await api.client.post("/api/v1/auth/password/forgot", json={"email": old})  # a reset link to the old address
    [reset] = await api.events("user.password_reset_requested")
    body = await _change(api, tokens, new.upper())
    assert set(body) == {"status", "expires_at"} and body["status"] == "pending"
    link, notice = await _requests(api)
    assert link["template"] == "email_change" and link["to_email"] == new
    assert link["context"]["confirm_url"].startswith("http://testserver/conta/email/confirmar?token=")
    assert notice["template"] == "security_alert" and notice["to_email"] == old
    assert notice["context"]["kind"] == "email_change_requested"
    assert notice["context"]["new_email"] == f"n***@{new.split('@')[1]}"  # masked for the old mailbox
    assert notice["context"]["report_url"].startswith("http://testserver/conta/email/nao-fui-eu?token=")
    # nothing changed yet: the old address still signs in, the profile still shows it
    assert (await api.client.get("/api/v1/users/profile", headers=api.auth(tokens))).json()["email"] == old
    second = await api.login(old)
    # only hashes are stored
    async with api.container.db.system_session() as s:
        row = await s.scalar(select(EmailChange))
    assert _token(link["context"]["confirm_url"]) not in (row.token_hash, row.report_token_hash)

    r = await api.client.post(
        "/api/v1/auth/email-change/confirm", json={"token": _token(link["context"]["confirm_url"])}
    )
    assert r.status_code == 200 and r.json() == {"email_changed": True, "signed_out": True}
    # every session ended, the old address no longer signs in, the new one does (verified)
    for t in (tokens, second):
        r = await api.client.post("/api/v1/auth/refresh-token", json={"refresh_token": t["refresh_token"]})
        assert r.status_code == 401
    r = await api.client.post("/api/v1/auth/login", json={"email": old, "password": PASSWORD})
    assert r.status_code == 401
    fresh = await api.login(new)
    me = (await api.client.get("/api/v1/users/profile", headers=api.auth(fresh))).json()
    assert me["email"] == new and me["email_verified"] is True
    # the reset link sent to the old address died with the change
    r = await api.client.post(
        "/api/v1/auth/password/reset", json={"token": reset["token"], "new_password": "Outra-Senha-Bem-Longa"}
    )
    assert r.status_code == 422
    # the directory follows (user.updated with the new address), the old address is told
    assert (await api.events("user.updated"))[-1]["user_id"] == profile["id"]
    after = (await _requests(api))[-1]
    assert after["to_email"] == old and after["context"]["kind"] == "email_changed"
    # single use
    r = await api.client.post(
        "/api/v1/auth/email-change/confirm", json={"token": _token(link["context"]["confirm_url"])}
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_token"
    # audited, by id only, and the chain holds
    assert await _audit_actions(api, profile["id"]) == ["email_change.requested", "email_change.confirmed"]
    async with api.container.db.system_session() as s:
        entries = (await s.scalars(select(AuditEntry))).all()
    assert all(new not in str(e.details) and old not in str(e.details) for e in entries)
    async with api.container.uow(entries[0].tenant_id, read_only=True) as uow:
        assert (await verify_audit_chain(uow)).ok


async def test_expired_link_wrong_password_and_same_address(api: Api) -> None:
    profile, tokens = await api.user()
    r = await api.client.post(
        "/api/v1/users/email-change",
        json={"new_email": _new_email(), "password": "not-the-password"},
        headers=api.auth(tokens),
    )
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    r = await api.client.post(
        "/api/v1/users/email-change",
        json={"new_email": profile["email"], "password": PASSWORD},
        headers=api.auth(tokens),
    )
    assert r.status_code == 422 and r.json()["code"] == "same_email"
    r = await api.client.post("/api/v1/users/email-change", json={"new_email": _new_email(), "password": PASSWORD})
    assert r.status_code == 401  # signed-in customers only
    assert await _requests(api) == []

    first = _new_email()
    await _change(api, tokens, first)
    new = _new_email()
    await _change(api, tokens, new)  # a new request voids the earlier link
    links = [e for e in await _requests(api) if e["template"] == "email_change"]
    assert [e["to_email"] for e in links] == [first, new]
    r = await api.client.post(
        "/api/v1/auth/email-change/confirm", json={"token": _token(links[0]["context"]["confirm_url"])}
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_token"
    async with api.container.db.system_session() as s:
        await s.execute(update(EmailChange).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        await s.commit()
    r = await api.client.post(
        "/api/v1/auth/email-change/confirm", json={"token": _token(links[1]["context"]["confirm_url"])}
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_token"
    assert (await api.client.get("/api/v1/users/profile", headers=api.auth(tokens))).json()["email"] == profile["email"]


async def test_an_address_with_an_account_is_not_revealed(api: Api) -> None:
    holder, _ = await api.user()
    profile, tokens = await api.user()
    taken = await _change(api, tokens, holder["email"])
    free = await _change(api, tokens, _new_email())
    assert set(taken) == set(free) and taken["status"] == free["status"] == "pending"
    sent = await _requests(api)
    # no link for the taken address: its owner is told instead; the requester's old address is told both times
    assert [e["to_email"] for e in sent if e["template"] == "email_change"] == [sent[-2]["to_email"]]
    in_use = [e for e in sent if e["context"].get("kind") == "email_in_use"]
    assert [e["to_email"] for e in in_use] == [holder["email"]] and in_use[0]["to_user_id"] == holder["id"]
    notices = [e for e in sent if e["context"].get("kind") == "email_change_requested"]
    assert [e["to_email"] for e in notices] == [profile["email"], profile["email"]]


async def test_it_was_not_me_cancels_a_pending_change_and_undoes_an_applied_one(api: Api) -> None:
    profile, tokens = await api.user()
    old = profile["email"]
    await _change(api, tokens, _new_email())
    link, notice = await _requests(api)
    r = await api.client.post(
        "/api/v1/auth/email-change/report", json={"token": _token(notice["context"]["report_url"])}
    )
    assert r.status_code == 200 and r.json() == {"reported": True}
    r = await api.client.post(
        "/api/v1/auth/email-change/confirm", json={"token": _token(link["context"]["confirm_url"])}
    )
    assert r.status_code == 422  # cancelled
    r = await api.client.post("/api/v1/auth/refresh-token", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 401  # sessions ended
    [reset] = await api.events("user.password_reset_requested")
    assert reset["user_id"] == profile["id"]  # the link goes to the account's address (old, restored)
    r = await api.client.post(
        "/api/v1/auth/email-change/report", json={"token": _token(notice["context"]["report_url"])}
    )
    assert r.status_code == 422  # single use

    # applied, then reported from the old address: undone
    tokens = await api.login(old)
    new = _new_email()
    await _change(api, tokens, new)
    link, notice = (await _requests(api))[-2:]
    r = await api.client.post(
        "/api/v1/auth/email-change/confirm", json={"token": _token(link["context"]["confirm_url"])}
    )
    assert r.status_code == 200
    r = await api.client.post(
        "/api/v1/auth/email-change/report", json={"token": _token(notice["context"]["report_url"])}
    )
    assert r.status_code == 200
    assert (await api.client.post("/api/v1/auth/login", json={"email": new, "password": PASSWORD})).status_code == 401
    await api.login(old)
    assert (await _audit_actions(api, profile["id"]))[-1] == "email_change.reported"
