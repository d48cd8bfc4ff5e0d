"""Retention per tenant (issue #15 point 4): sent notification messages follow the tenant's period, carts
live for the tenant's cart period, expired one-time tokens and finished e-mail changes are purged, and
the cookie banner's visitor ledger follows the tenant's period, and each run is audited with what it deleted
and the periods it used."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from sqlalchemy import select

from ecovarejo.core.db import utcnow
from ecovarejo.core.models import DEFAULT_TENANT_ID, Tenant
from ecovarejo.notifications.models import NotificationMessage
from ecovarejo.orders.cart import Cart, MemoryCartStore, RedisCartStore
from ecovarejo.privacy import public as privacy
from ecovarejo.privacy.cookies import visitor_choices
from ecovarejo.privacy.models import AuditEntry, VisitorConsent
from ecovarejo.privacy.retention import run
from ecovarejo.users.models import EmailChange, OneTimeToken
from tests.conftest import REDIS_URL
from tests.support import make_tenant

from .conftest import PrivacyApi


def _message(tenant_id: uuid.UUID, days_ago: float, status: str = "sent") -> NotificationMessage:
    """A finished message (the dispatcher leaves it alone)."""
    when = utcnow() - timedelta(days=days_ago)
    return NotificationMessage(
        tenant_id=tenant_id, channel="email", category="transactional", template="order_confirmed",
        locale="pt-BR", to_address="ana@example.com", subject="Olá, Ana", body_text="Olá, Ana", status=status,
        dedupe_key=uuid.uuid4().hex, created_at=when, sent_at=when,
    )  # fmt: skip


async def test_notification_bodies_tokens_and_email_changes_follow_the_tenants_periods(api: PrivacyApi) -> None:
    container = api.container
    other = await make_tenant(container, "loja-longa")
    dpo = await api.dpo()
    periods = (await api.client.get("/api/v1/privacy/admin/retention", headers=dpo)).json()
    assert periods["notification_days"] == 90 and periods["cart_days"] == 1
    r = await api.client.put("/api/v1/privacy/admin/retention", json={**periods, "notification_days": 10}, headers=dpo)
    assert r.status_code == 200 and r.json()["notification_days"] == 10
    bad = await api.client.put("/api/v1/privacy/admin/retention", json={**periods, "cart_days": 0}, headers=dpo)
    assert bad.status_code == 422

    person, _ = await api.user()
    uid = uuid.UUID(person["id"])
    now = utcnow()
    async with container.db.system_session() as s:
        old, recent = _message(DEFAULT_TENANT_ID, 20), _message(DEFAULT_TENANT_ID, 5)
        elsewhere = _message(other, 20)  # the other tenant keeps the 90-day default
        s.add_all([old, recent, elsewhere])
        s.add_all([
            OneTimeToken(tenant_id=DEFAULT_TENANT_ID, user_id=uid, purpose="password_reset",
                         token_hash=uuid.uuid4().hex, expires_at=now - timedelta(hours=1)),
            OneTimeToken(tenant_id=DEFAULT_TENANT_ID, user_id=uid, purpose="password_reset",
                         token_hash=uuid.uuid4().hex, expires_at=now + timedelta(hours=1)),
            EmailChange(tenant_id=DEFAULT_TENANT_ID, user_id=uid, new_email="n1@example.com", old_email=person["email"],
                        token_hash=uuid.uuid4().hex, report_token_hash=uuid.uuid4().hex,
                        created_at=now - timedelta(days=20), expires_at=now - timedelta(days=19)),
            EmailChange(tenant_id=DEFAULT_TENANT_ID, user_id=uid, new_email="n2@example.com", old_email=person["email"],
                        token_hash=uuid.uuid4().hex, report_token_hash=uuid.uuid4().hex,  # "não fui eu" still open
                        created_at=now - timedelta(days=3), expires_at=now - timedelta(days=2)),
        ])  # fmt: skip
        await s.commit()
        ids = {m.id for m in (old, recent, elsewhere)}

    counts = await run(container)
    assert counts["default"]["notification_messages"] == 1 and counts["loja-longa"]["notification_messages"] == 0
    assert counts["default"]["expired_tokens"] >= 1 and counts["default"]["email_changes"] == 1
    async with container.db.system_session() as s:
        left = set((await s.scalars(select(NotificationMessage.id).where(NotificationMessage.id.in_(ids)))).all())
        assert left == {recent.id, elsewhere.id}
        tokens = (await s.scalars(select(OneTimeToken).where(OneTimeToken.user_id == uid))).all()
        assert tokens and all(t.expires_at > now for t in tokens)
        changes = (await s.scalars(select(EmailChange.new_email).where(EmailChange.user_id == uid))).all()
        assert list(changes) == ["n2@example.com"]
        runs = (await s.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention.run", AuditEntry.tenant_id == DEFAULT_TENANT_ID)
        )).all()  # fmt: skip
    last = runs[-1].details
    assert last["periods"]["notification_days"] == 10 and last["deleted"]["notification_messages"] == 1
    assert last["deleted"]["email_changes"] == 1
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        assert (await privacy.verify_audit_chain(uow)).ok


async def test_carts_live_for_the_tenants_cart_period(api: PrivacyApi) -> None:
    container = api.container
    short = await make_tenant(container, "loja-carrinho")
    assert await privacy.cart_ttl_seconds(container, DEFAULT_TENANT_ID) == 86400  # the default: 24 h
    async with container.db.system_session() as s:
        tenant = await s.get(Tenant, short)
        assert tenant is not None
        tenant.settings = {"privacy": {"retention_days": {"carts": 0.125}}}  # 3 hours
        await s.commit()
    assert await privacy.cart_ttl_seconds(container, short) == 3 * 3600

    async def ttl_for(tenant_id: uuid.UUID) -> int:
        return await privacy.cart_ttl_seconds(container, tenant_id)

    memory = MemoryCartStore(ttl_for=ttl_for)
    await memory.save(short, Cart("g:abc", lines={"SKU-1": 1}))
    expires = next(iter(memory._data.values()))[0]
    assert 3 * 3600 - 60 < expires - time.monotonic() <= 3 * 3600

    if REDIS_URL:
        from redis.asyncio import Redis

        redis = Redis.from_url(REDIS_URL)
        try:
            store = RedisCartStore(redis, ttl_for=ttl_for)
            owner = f"g:{uuid.uuid4().hex}"
            await store.save(short, Cart(owner, lines={"SKU-1": 1}))
            assert 3 * 3600 - 60 < await redis.ttl(f"cart:{short}:{owner}") <= 3 * 3600
            await store.save(DEFAULT_TENANT_ID, Cart(owner, lines={"SKU-1": 2}))
            assert 86400 - 60 < await redis.ttl(f"cart:{DEFAULT_TENANT_ID}:{owner}") <= 86400
            await store.delete(short, owner)
            await store.delete(DEFAULT_TENANT_ID, owner)
        finally:
            await redis.aclose()


def _choice(tenant_id: uuid.UUID, visitor: str, days_ago: float, granted: bool) -> VisitorConsent:
    return VisitorConsent(
        tenant_id=tenant_id, visitor=visitor, purpose="analytics", granted=granted, policy_version="2026-01",
        channel="cookie_banner", recorded_at=utcnow() - timedelta(days=days_ago),
    )  # fmt: skip


async def test_the_banners_visitor_ledger_follows_the_tenants_period(api: PrivacyApi) -> None:
    container = api.container
    other = await make_tenant(container, "loja-visitas")
    dpo = await api.dpo()
    periods = (await api.client.get("/api/v1/privacy/admin/retention", headers=dpo)).json()
    assert periods["visitor_consent_days"] == 365
    bad = await api.client.put(
        "/api/v1/privacy/admin/retention", json={**periods, "visitor_consent_days": 5}, headers=dpo
    )
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    r = await api.client.put(
        "/api/v1/privacy/admin/retention", json={**periods, "visitor_consent_days": 60}, headers=dpo
    )
    assert r.status_code == 200 and r.json()["visitor_consent_days"] == 60

    mine, theirs = uuid.uuid4().hex, uuid.uuid4().hex
    rows = [
        _choice(DEFAULT_TENANT_ID, mine, 90, True),  # older than the tenant's 60 days: deleted
        _choice(DEFAULT_TENANT_ID, mine, 10, False),  # the visitor's current answer: kept
        _choice(other, theirs, 90, True),  # the other tenant keeps the 365-day default
        _choice(other, theirs, 400, False),
    ]
    async with container.db.system_session() as s:
        s.add_all(rows)
        await s.commit()
        ids = {row.id for row in rows}

    counts = await run(container)
    assert counts["default"]["visitor_consents"] == 1 and counts["loja-visitas"]["visitor_consents"] == 1
    async with container.db.system_session() as s:
        left = set((await s.scalars(select(VisitorConsent.id).where(VisitorConsent.id.in_(ids)))).all())
    assert left == {rows[1].id, rows[2].id}
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        assert await visitor_choices(uow, mine) == {"analytics": False}
        last = (await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention.run").order_by(AuditEntry.seq.desc())
        )).first()  # fmt: skip
        assert last is not None and last.details["deleted"]["visitor_consents"] == 1
        assert last.details["periods"]["visitor_consent_days"] == 60
        assert (await privacy.verify_audit_chain(uow)).ok
