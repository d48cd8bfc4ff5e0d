"""The analytics context's public surface: reports over the facts, the ingestion entry points, the
behaviour recorder's consent rule, and the scrape-time business gauges."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from ecovarejo.core.container import Container
from ecovarejo.core.uow import UnitOfWork

from . import backfill as _backfill
from . import ingest as _ingest
from . import reports as _reports
from . import repository as _repo
from .exports import language as csv_language
from .exports import to_csv
from .parquet import export_facts
from .parquet import report_parquet as to_parquet
from .reports import GRAINS, Period, Report
from .rollup_rebuild import buyer_months_insert as buyer_months_rebuild_statement
from .rollup_rebuild import daily_rebuild_statements as daily_rollup_rebuild_statements
from .rollup_rebuild import funnel_month_statements as funnel_month_rebuild_statements
from .rollup_rebuild import monthly_rebuild_statements as monthly_rollup_rebuild_statements
from .rollup_rebuild import monthly_search_statements as monthly_search_rebuild_statements
from .rollup_rebuild import rebuild_statements as rollup_rebuild_statements

__all__ = [
    "CONSENT_COOKIE",
    "GRAINS",
    "REPORT_NAMES",
    "VISITOR_COOKIE",
    "Period",
    "Report",
    "analytics_allowed",
    "backfill",
    "business_metrics",
    "buyer_months_rebuild_statement",
    "csv_language",
    "daily_rollup_rebuild_statements",
    "export_facts",
    "funnel_month_rebuild_statements",
    "ingest_order",
    "monthly_rollup_rebuild_statements",
    "monthly_search_rebuild_statements",
    "new_visitor_id",
    "period",
    "report",
    "rollup_rebuild_statements",
    "shop_today",
    "to_csv",
    "to_parquet",
    "visitor_pseudonym",
]

REPORT_NAMES: tuple[str, ...] = tuple(_reports.REPORTS)


def shop_today() -> date:
    """Today in the shop's time zone (America/Sao_Paulo): the default end of a report's range."""
    from datetime import UTC, datetime

    return _ingest.shop_day(datetime.now(UTC))


def period(start: date | None = None, end: date | None = None) -> Period:
    """A checked date range (default: the 30 days up to today); 422 when reversed or too long."""
    return _reports.period(start, end, shop_today())


async def report(uow: UnitOfWork, name: str, p: Period, *, grain: str = "day", limit: int = 50) -> Report:
    """One report of the tenant of ``uow``, with the previous period of the same length."""
    return await _reports.run(uow, name, p, grain=grain, limit=limit)


async def ingest_order(uow: UnitOfWork, order_id: uuid.UUID) -> bool:
    """Rebuild one order's facts now (the consumers do this for every order event)."""
    return await _ingest.ingest_order(uow, order_id)


async def backfill(
    container: Container,
    tenant_id: uuid.UUID,
    *,
    restart: bool = False,
    progress: Callable[[int], None] | None = None,
    rollup_progress: Callable[[str], None] | None = None,
) -> int:
    """Rebuild the facts from the orders, then the daily rollups from the facts (resumable, idempotent)."""
    return await _backfill.backfill(
        container, tenant_id, restart=restart, progress=progress, rollup_progress=rollup_progress
    )


async def analytics_allowed(
    uow: UnitOfWork, user_id: uuid.UUID | None, consent_cookie: str | None, visitor: str | None = None
) -> bool:
    """The one consent rule for behaviour data: the users' consent ledger for a signed-in visitor; for an
    anonymous one, the cookie banner's ``ev_consent`` cookie (comma-separated purposes) and the choice the
    banner recorded under the visitor's pseudonym (:func:`visitor_pseudonym`)."""
    from .behaviour import allowed

    return await allowed(uow, user_id, consent_cookie, visitor)


#: The cookies the storefront's banner sets: the choice and the pseudonymous visitor id's source.
CONSENT_COOKIE = "ev_consent"
VISITOR_COOKIE = "ev_vid"


def new_visitor_id() -> str:
    from .behaviour import new_visitor_id as _new

    return _new()


def visitor_pseudonym(container: Container, visitor_cookie: str) -> str:
    """The pseudonymous id behaviour events and the banner's visitor consents are stored under."""
    from .behaviour import visitor_pseudonym as _pseudonym

    return _pseudonym(container.settings.load_secret_key(), visitor_cookie)


async def business_metrics(uow: UnitOfWork) -> dict[str, dict[str, float]]:
    """Scrape-time gauges by tenant id (system unit of work): kg CO2e avoided vs the conventional baseline."""
    return {
        str(tenant): {"co2e_saved_kg": float(_reports.kg(avoided))}
        for tenant, avoided, _carbon in await _repo.totals_by_tenant(uow)
    }
