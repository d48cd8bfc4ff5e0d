"""The orders context's business gauges for ``/metrics`` (read across tenants at scrape time)."""

from __future__ import annotations

from typing import Any

from ecovarejo.core.uow import UnitOfWork

from . import lifecycle
from . import repository as repo


async def business_metrics(uow: UnitOfWork) -> dict[str, dict[str, Any]]:
    """Scrape-time gauges for ``/metrics``, by tenant id: paid orders (and later stages), revenue net of
    refunds (BRL) and the kg CO2e of what was sold. Read in a system unit of work (all tenants)."""
    out: dict[str, dict[str, Any]] = {}
    for tenant_id, count, total, refunded, co2 in await repo.totals_by_tenant(uow, lifecycle.PAID_OR_LATER):
        out[str(tenant_id)] = {"orders": count, "revenue": total - refunded, "co2e_kg": co2}
    return out
