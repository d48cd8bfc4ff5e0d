"""Retention jobs (LGPD art. 15 and 16: data is deleted once its purpose is met), per tenant, with periods
the tenant's DPO may change (``GET/PUT /api/v1/privacy/admin/retention``), each run audited:

- published events and dead letters (the kernel's tables);
- IP addresses of sessions and of consent entries, removed after ``ips`` days (default 180: Marco Civil
  art. 15 asks six months of access records);
- inactive accounts: a notice by e-mail after ``inactive_account_years``, erasure ``inactive_grace_days``
  later if their owner has not signed in (:mod:`.inactive`).

A tenant's settings carry ``{"privacy": {"retention_days": {"outbox": 3, "dead_letters": 15, "ips": 90},
"inactive_account_years": 5, "inactive_grace_days": 30}}``. Other contexts purge their own tables on their
own schedules (notification bodies, stored idempotent responses); their periods are in the registry and
docs/privacy.md.
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
from .ports import subjects_of
from .registry import Registry

DEAD_LETTER_DAYS = 30.0
IP_DAYS = 180.0
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
    )


def with_periods(settings: dict[str, Any], p: Periods) -> dict[str, Any]:
    """``settings`` with the tenant's periods replaced (its other privacy settings kept)."""
    own = dict(settings.get("privacy") or {})
    own["retention_days"] = {
        **(own.get("retention_days") or {}),
        "outbox": p.outbox_days,
        "dead_letters": p.dead_letter_days,
        "ips": p.ip_days,
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
    await audit.record(uow, "retention.periods_changed", actor=actor, purpose="LGPD art. 16", details=asdict(p))
    return p


async def retention_job(container: Container) -> None:
    await run(container)
