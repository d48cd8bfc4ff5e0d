"""Retention of accounts and network data (issue #15 point 4), with a clock: IP addresses of sessions and of
the consent ledger are removed after the tenant's period; an inactive account gets a notice by e-mail, and
is erased after the grace period unless its owner signed in since; the DPO sets the periods; every run is
in the audit log and the chain verifies."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from ecovarejo.core.db import utcnow
from ecovarejo.core.models import OutboxEvent
from ecovarejo.privacy import public as privacy
from ecovarejo.privacy.models import AuditEntry, InactivityNotice
from ecovarejo.privacy.retention import run
from ecovarejo.users.models import ConsentEntry, RefreshToken, User

from .conftest import PrivacyApi


async def _user(api: PrivacyApi, user_id: str) -> User:
    async with api.container.db.system_session() as s:
        user = await s.get(User, uuid.UUID(user_id))
        assert user is not None
        return user


async def _notices(api: PrivacyApi) -> list[dict]:
    async with api.container.db.system_session() as s:
        q = select(OutboxEvent).where(OutboxEvent.type == "notification.requested").order_by(OutboxEvent.id)
        rows = [r.envelope["data"] for r in (await s.scalars(q)).all()]
    return [d for d in rows if d.get("template") == "inactive_account"]


async def test_the_dpo_sets_the_periods(api: PrivacyApi) -> None:
    _, tokens = await api.user()
    r = await api.client.get("/api/v1/privacy/admin/retention", headers=api.auth(tokens))
    assert r.status_code == 403
    dpo = await api.dpo()
    r = await api.client.get("/api/v1/privacy/admin/retention", headers=dpo)
    assert r.status_code == 200 and r.json()["inactive_account_years"] == 5 and r.json()["ip_days"] == 180
    body = {"outbox_days": 3, "dead_letter_days": 15, "ip_days": 30, "inactive_account_years": 2,
            "inactive_grace_days": 10}  # fmt: skip
    r = await api.client.put("/api/v1/privacy/admin/retention", json={**body, "ip_days": 0}, headers=dpo)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    r = await api.client.put("/api/v1/privacy/admin/retention", json=body, headers=dpo)
    saved = {**body, "notification_days": 90, "cart_days": 1, "visitor_consent_days": 365}  # defaults for the rest
    assert r.status_code == 200 and r.json() == saved
    assert (await api.client.get("/api/v1/privacy/admin/retention", headers=dpo)).json() == saved


async def test_ips_are_removed_and_inactive_accounts_notified_then_erased(api: PrivacyApi) -> None:
    container = api.container
    dpo = await api.dpo()
    body = {"outbox_days": 7, "dead_letter_days": 30, "ip_days": 30, "inactive_account_years": 1,
            "inactive_grace_days": 10}  # fmt: skip
    assert (await api.client.put("/api/v1/privacy/admin/retention", json=body, headers=dpo)).status_code == 200
    gone, _ = await api.user()
    back, _ = await api.user()
    async with container.db.system_session() as s:
        for model in (RefreshToken, ConsentEntry):
            await s.execute(update(model).values(ip="203.0.113.7"))
        await s.commit()
    start = utcnow()

    # 20 days later: IPs older than 30 days? none yet; nobody inactive yet
    container.clock = lambda: start + timedelta(days=20)
    counts = (await run(container))["default"]
    assert counts["session_ips"] == counts["consent_ips"] == 0 and counts["accounts_notified"] == 0

    # 400 days later: the IPs go, both customers (inactive for over a year) are told
    container.clock = lambda: start + timedelta(days=400)
    counts = (await run(container))["default"]
    assert counts["session_ips"] >= 2 and counts["consent_ips"] >= 4
    async with container.db.system_session() as s:
        for model in (RefreshToken, ConsentEntry):
            assert (await s.scalars(select(model.ip).where(model.ip.is_not(None)))).all() == []
    told = {n["to_user_id"] for n in await _notices(api)}
    assert {gone["id"], back["id"]} <= told
    [notice] = [n for n in await _notices(api) if n["to_user_id"] == gone["id"]]
    assert notice["context"]["login_url"].endswith("/conta/entrar") and "to_email" not in notice
    # a second run the next day does not notify again (the published events themselves are purged by then)
    container.clock = lambda: start + timedelta(days=401)
    assert (await run(container))["default"]["accounts_notified"] == 0
    async with container.db.system_session() as s:
        notified = (await s.scalars(select(InactivityNotice.user_id))).all()
    assert sorted(notified).count(uuid.UUID(gone["id"])) == 1

    # one of them signs in during the grace period
    async with container.db.system_session() as s:
        await s.execute(
            update(User).where(User.id == uuid.UUID(back["id"])).values(last_login_at=start + timedelta(days=405))
        )
        await s.commit()
    container.clock = lambda: start + timedelta(days=412)
    counts = (await run(container))["default"]
    assert counts["accounts_erased"] >= 1
    erased = await _user(api, gone["id"])
    assert erased.email.startswith("erased-") and erased.is_active is False
    kept = await _user(api, back["id"])
    assert kept.email == back["email"] and kept.is_active
    async with container.db.system_session() as s:
        left = set((await s.scalars(select(InactivityNotice.user_id))).all())
        assert uuid.UUID(gone["id"]) not in left and uuid.UUID(back["id"]) not in left
        entries = (await s.scalars(select(AuditEntry).order_by(AuditEntry.seq))).all()
    assert [e.purpose for e in entries if e.action == "erasure" and e.subject_id == uuid.UUID(gone["id"])] == [
        "LGPD art. 16"
    ]
    runs = [e for e in entries if e.action == "retention.run"]
    assert len(runs) >= 4 and runs[-1].details["periods"]["inactive_account_years"] == 1
    assert any(e.action == "retention.periods_changed" for e in entries)
    async with container.uow(entries[0].tenant_id, read_only=True) as uow:
        assert (await privacy.verify_audit_chain(uow)).ok


async def test_staff_accounts_are_neither_counted_nor_notified_as_inactive(api: PrivacyApi) -> None:
    container = api.container
    customer, _ = await api.user()
    staff = await api.register()
    await api.make_admin(staff["email"], user_type="customer", permissions=["manage_orders"])
    admin = await api.register()
    await api.make_admin(admin["email"])
    start = utcnow()
    container.clock = lambda: start + timedelta(days=6 * 366)  # everyone idle for six years
    counts = (await run(container))["default"]
    told = {n["to_user_id"] for n in await _notices(api)}
    assert customer["id"] in told
    assert staff["id"] not in told and admin["id"] not in told
    assert counts["accounts_notified"] == len(told)
    container.clock = lambda: start + timedelta(days=6 * 366 + 40)  # after the grace period
    await run(container)
    assert (await _user(api, staff["id"])).is_active and (await _user(api, admin["id"])).is_active
    assert not (await _user(api, customer["id"])).is_active
