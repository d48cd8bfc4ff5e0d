"""Retention jobs (LGPD art. 15 and 16: data is deleted once its purpose is met), per tenant, with periods
the tenant's DPO may change (``GET/PUT /api/v1/privacy/admin/retention``), each run audited:

- published events and dead letters (the kernel's tables);
- IP addresses of sessions and of consent entries, removed after ``ips`` days (default 180: Marco Civil
  art. 15 asks six months of access records);
- inactive accounts: a notice by e-mail after ``inactive_account_years``, erasure ``inactive_grace_days``
  later if their owner has not signed in (:mod:`.inactive`);
- notification messages (subject and bodies) after ``notifications`` days (the notifications context,
  through the :class:`~.ports.NotificationBodies` port);
- expired one-time tokens, finished e-mail-change rows and company join attempts older than 30 days (the
  users context, :class:`~.ports.DataSubjects`);
- the cookie banner's visitor ledger (``privacy_visitor_consents``) after ``visitor_consents`` days (one
  year by default: the banner asks again once a visitor's choice is older);
- abandoned carts: not a table; the orders context's cart store gives each cart the tenant's ``carts``
  period as its time to live (:func:`cart_ttl_seconds`).

A tenant's settings carry ``{"privacy": {"retention_days": {"outbox": 3, "dead_letters": 15, "ips": 90,
"notifications": 60, "carts": 2,
"visitor_consents": 180}, "inactive_account_years": 5, "inactive_grace_days": 30}}``. Stored
idempotent responses are purged by the payments context (48 h) and on erasure.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.uow import UnitOfWork

from . import audit, inactive
from . import repository as repo
from .ports import NotificationBodies, subjects_of
from .registry import Registry

DEAD_LETTER_DAYS = 30.0
IP_DAYS = 180.0
NOTIFICATION_DAYS = 90.0
CART_DAYS = 1.0
VISITOR_CONSENT_DAYS = 365.0
INACTIVE_YEARS = 5.0
GRACE_DAYS = 30.0
ACTOR = "job:privacy.retention"


@dataclass(frozen=True)
class Periods:
    outbox_days: float
    dead_letter_days: float
    ip_days: float
    inactive_account_years: float
    inactive_grace_days: float
    notification_days: float = NOTIFICATION_DAYS
    cart_days: float = CART_DAYS
    visitor_consent_days: float = VISITOR_CONSENT_DAYS


def _number(value: Any, default: float) -> float:
    try:
        return max(0.0, float(value)) if value is not None else default
    except (TypeError, ValueError):
        return default


def periods(settings: dict[str, Any], event_days: float) -> Periods:
    """The tenant's periods, the platform's defaults where it set none."""
    own = settings.get("privacy") or {}
    days = own.get("retention_days") or {}
    return Periods(
        outbox_days=_number(days.get("outbox"), event_days),
        dead_letter_days=_number(days.get("dead_letters"), DEAD_LETTER_DAYS),
        ip_days=_number(days.get("ips"), IP_DAYS),
        inactive_account_years=_number(own.get("inactive_account_years"), INACTIVE_YEARS),
        inactive_grace_days=_number(own.get("inactive_grace_days"), GRACE_DAYS),
        notification_days=_number(days.get("notifications"), NOTIFICATION_DAYS),
        cart_days=_number(days.get("carts"), CART_DAYS) or CART_DAYS,
        visitor_consent_days=_number(days.get("visitor_consents"), VISITOR_CONSENT_DAYS) or VISITOR_CONSENT_DAYS,
    )


def with_periods(settings: dict[str, Any], p: Periods) -> dict[str, Any]:
    """``settings`` with the tenant's periods replaced (its other privacy settings kept)."""
    own = dict(settings.get("privacy") or {})
    own["retention_days"] = {
        **(own.get("retention_days") or {}),
        "outbox": p.outbox_days,
        "dead_letters": p.dead_letter_days,
        "ips": p.ip_days,
        "notifications": p.notification_days,
        "carts": p.cart_days,
        "visitor_consents": p.visitor_consent_days,
    }
    own["inactive_account_years"] = p.inactive_account_years
    own["inactive_grace_days"] = p.inactive_grace_days
    return {**settings, "privacy": own}


async def run(container: Container) -> dict[str, dict[str, int]]:
    """One pass over every tenant; returns what was deleted, notified or erased by tenant slug."""
    now = container.now()
    out: dict[str, dict[str, int]] = {}
    async with container.uow(None, actor=ACTOR) as platform:
        tenants = await repo.tenants(platform)
        await repo.purge_published_events(platform, None, now - timedelta(days=container.settings.event_retention_days))
        await repo.purge_dead_letters(platform, None, now - timedelta(days=DEAD_LETTER_DAYS))
        await platform.commit()
    subjects = subjects_of(container)
    registry = container.ports.get(Registry)
    bodies = container.ports.find(NotificationBodies)
    for tenant in tenants:
        p = periods(tenant.settings or {}, container.settings.event_retention_days)
        async with container.uow(None, actor=ACTOR) as platform:
            counts = {
                "outbox": await repo.purge_published_events(platform, tenant.id, now - timedelta(days=p.outbox_days)),
                "dead_letters": await repo.purge_dead_letters(
                    platform, tenant.id, now - timedelta(days=p.dead_letter_days)
                ),
            }
            await platform.commit()
        async with container.uow(tenant.id, actor=ACTOR) as uow:
            counts.update(await subjects.forget_ips(uow, now - timedelta(days=p.ip_days)))
            counts.update(await subjects.purge_expired_tokens(uow, now))
            counts["visitor_consents"] = await repo.purge_visitor_consents(
                uow, now - timedelta(days=p.visitor_consent_days)
            )
            if bodies is not None:
                counts["notification_messages"] = await bodies.purge_sent(
                    uow, now - timedelta(days=p.notification_days)
                )
            accounts = await inactive.run(
                uow,
                subjects,
                registry,
                now=now,
                years=p.inactive_account_years,
                grace_days=p.inactive_grace_days,
                base_url=f"https://{tenant.domain}" if tenant.domain else container.settings.public_url,
            )
            counts.update({f"accounts_{k}": v for k, v in asdict(accounts).items()})
            await audit.record(
                uow, "retention.run", actor=ACTOR, purpose="LGPD art. 16",
                details={"deleted": counts, "periods": asdict(p)},
            )  # fmt: skip
            await uow.commit()
        out[tenant.slug] = counts
    return out


async def tenant_periods(container: Container, tenant_id: uuid.UUID) -> Periods:
    async with container.uow(tenant_id, read_only=True) as uow:
        settings = await repo.tenant_settings(uow, tenant_id)
    return periods(settings, container.settings.event_retention_days)


async def set_tenant_periods(container: Container, uow: UnitOfWork, p: Periods, *, actor: str) -> Periods:
    """Save the tenant's periods (the tenants row is the platform's: written as the owner), audited."""
    assert uow.tenant_id is not None
    async with container.uow(None, actor=actor) as platform:
        settings = await repo.tenant_settings(platform, uow.tenant_id)
        await repo.set_tenant_settings(platform, uow.tenant_id, with_periods(settings, p))
        await platform.commit()
    container.tenants.invalidate()
    cache = container.ports.find(_PeriodCache)
    if cache is not None:
        cache.hits.pop(uow.tenant_id, None)
    await audit.record(uow, "retention.periods_changed", actor=actor, purpose="LGPD art. 16", details=asdict(p))
    return p


async def retention_job(container: Container) -> None:
    await run(container)


class _PeriodCache:
    """The tenants' periods for a hot path (every cart write), kept 30 s per tenant in this process."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self.hits: dict[uuid.UUID, tuple[float, Periods]] = {}


async def cart_ttl_seconds(container: Container, tenant_id: uuid.UUID) -> int:
    """How long an untouched cart lives for this tenant (its ``carts`` period, 24 h by default)."""
    import time

    cache = container.ports.find(_PeriodCache) or container.ports.provide_default(_PeriodCache, _PeriodCache())
    hit = cache.hits.get(tenant_id)
    now = time.monotonic()
    if hit is None or hit[0] < now:
        hit = (now + cache.ttl, await tenant_periods(container, tenant_id))
        cache.hits[tenant_id] = hit
    return max(3600, int(hit[1].cart_days * 86400))
