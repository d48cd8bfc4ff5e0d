"""Retention jobs (LGPD art. 15 and 16: data is deleted once its purpose is met): published events and dead
letters, per tenant, with periods a tenant may shorten or lengthen in its settings, each run audited.

A tenant's settings may carry ``{"privacy": {"retention_days": {"outbox": 3, "dead_letters": 15}}}``.
Other contexts purge their own tables on their own schedules (notification bodies, stored idempotent
responses); their periods are in the registry and docs/privacy.md.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.db import utcnow

from . import audit
from . import repository as repo

DEAD_LETTER_DAYS = 30.0


def _days(settings: dict[str, Any], key: str, default: float) -> float:
    value = ((settings.get("privacy") or {}).get("retention_days") or {}).get(key)
    try:
        return max(0.0, float(value)) if value is not None else default
    except (TypeError, ValueError):
        return default


async def run(container: Container) -> dict[str, dict[str, int]]:
    """One pass over every tenant; returns the rows deleted by tenant slug."""
    now = utcnow()
    out: dict[str, dict[str, int]] = {}
    async with container.uow(None, actor="job:privacy.retention") as platform:
        tenants = await repo.tenants(platform)
        await repo.purge_published_events(platform, None, now - timedelta(days=container.settings.event_retention_days))
        await repo.purge_dead_letters(platform, None, now - timedelta(days=DEAD_LETTER_DAYS))
        await platform.commit()
    for tenant in tenants:
        outbox_days = _days(tenant.settings or {}, "outbox", container.settings.event_retention_days)
        dead_days = _days(tenant.settings or {}, "dead_letters", DEAD_LETTER_DAYS)
        async with container.uow(None, actor="job:privacy.retention") as platform:
            counts = {
                "outbox": await repo.purge_published_events(platform, tenant.id, now - timedelta(days=outbox_days)),
                "dead_letters": await repo.purge_dead_letters(platform, tenant.id, now - timedelta(days=dead_days)),
            }
            await platform.commit()
        async with container.uow(tenant.id, actor="job:privacy.retention") as uow:
            await audit.record(
                uow, "retention.run", purpose="LGPD art. 16",
                details={"deleted": counts, "days": {"outbox": outbox_days, "dead_letters": dead_days}},
            )  # fmt: skip
            await uow.commit()
        out[tenant.slug] = counts
    return out


async def retention_job(container: Container) -> None:
    await run(container)
