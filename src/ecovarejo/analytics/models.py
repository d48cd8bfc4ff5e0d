"""The analytics store: fact tables in the operational database, shaped for scans (see docs/analytics.md).

Money in integer centavos and carbon in integer grams, so every report is a ``SUM`` of integers on
SQLite and PostgreSQL alike; every table leads its indexes with ``(tenant_id, day)``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.db import Base, TenantOwned, new_id, utcnow


class OrderFact(Base, TenantOwned):
    """One order, as the reports see it; rewritten whole by every event about the order (idempotent)."""

    __tablename__ = "analytics_orders"
    __table_args__ = (
        Index("ix_analytics_orders_tenant_day", "tenant_id", "day"),
        Index("ix_analytics_orders_tenant_user", "tenant_id", "user_id", "placed_at"),
        #: Covers the distinct buyers of a range (an index-only scan, no row lookups).
        Index("ix_analytics_orders_tenant_day_user", "tenant_id", "day", "user_id", "paid"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[uuid.UUID] = mapped_column()
    placed_at: Mapped[datetime] = mapped_column()
    #: The order's day in America/Sao_Paulo (what "sales of 24/11" means to the shop).
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(30))
    #: Reached ``paid`` (counts as a sale; refunds are subtracted from its revenue).
    paid: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(3))  # b2c | b2b
    payment_method: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(2))
    items: Mapped[int] = mapped_column(Integer)
    subtotal_cents: Mapped[int] = mapped_column(BigInteger)
    discount_cents: Mapped[int] = mapped_column(BigInteger)
    loyalty_cents: Mapped[int] = mapped_column(BigInteger)
    shipping_cents: Mapped[int] = mapped_column(BigInteger)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    refunded_cents: Mapped[int] = mapped_column(BigInteger)
    coupons: Mapped[str] = mapped_column(String(200), default="")
    carbon_g: Mapped[int] = mapped_column(BigInteger)
    avoided_g: Mapped[int] = mapped_column(BigInteger)
    eco_packaging: Mapped[bool] = mapped_column(Boolean)
    green_delivery: Mapped[bool] = mapped_column(Boolean)
    shipped: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LineFact(Base, TenantOwned):
    """One order line, with its category, carbon and the conventional baseline it is compared to."""

    __tablename__ = "analytics_order_lines"
    __table_args__ = (
        Index("ix_analytics_order_lines_tenant_day", "tenant_id", "day"),
        Index("ix_analytics_order_lines_order", "order_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column()
    day: Mapped[date] = mapped_column(Date)
    paid: Mapped[bool] = mapped_column(Boolean)
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(120))
    certified: Mapped[bool] = mapped_column(Boolean)
    quantity: Mapped[int] = mapped_column(Integer)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    carbon_g: Mapped[int] = mapped_column(BigInteger)
    baseline_g: Mapped[int] = mapped_column(BigInteger)


class BehaviourEvent(Base, TenantOwned):
    """A storefront/API action of a consenting visitor, under a pseudonymous id; never an IP address."""

    __tablename__ = "analytics_behaviour"
    __table_args__ = (
        Index("ix_analytics_behaviour_tenant_day_kind", "tenant_id", "day", "kind"),
        Index("ix_analytics_behaviour_tenant_kind_day_visitor", "tenant_id", "kind", "day", "visitor"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    day: Mapped[date] = mapped_column(Date)
    #: product_viewed | search_performed | added_to_cart | checkout_started | recommendation_clicked
    kind: Mapped[str] = mapped_column(String(30))
    visitor: Mapped[str] = mapped_column(String(64))
    #: The product as the request named it (slug or id).
    product: Mapped[str | None] = mapped_column(String(200))
    query: Mapped[str | None] = mapped_column(String(200))
    results: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(60))


class StockSnapshot(Base, TenantOwned):
    """Available units per SKU, as last reported by inventory-events (for days of cover)."""

    __tablename__ = "analytics_stock"

    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    available: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Checkpoint(Base, TenantOwned):
    """Where a resumable job (the backfill) stopped, per tenant."""

    __tablename__ = "analytics_checkpoints"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- the column shapes the rollup tables share (a rollup row: its own key columns, then one of these;
# SQLAlchemy places a mixin's columns after the class's own, so each table keeps its column order)
class LineMeasures:
    """Product and category (``sku = ""``: the category's total) as keys, and the line measures."""

    category: Mapped[str] = mapped_column(String(120), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    #: Orders with at least one such line (an order is on one day, so the sum over days is distinct).
    orders: Mapped[int] = mapped_column(BigInteger)
    units: Mapped[int] = mapped_column(BigInteger)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    certified_cents: Mapped[int] = mapped_column(BigInteger)
    carbon_g: Mapped[int] = mapped_column(BigInteger)
    baseline_g: Mapped[int] = mapped_column(BigInteger)


class SearchMeasures:
    """Searches of one query: how many, how many found nothing, the most results seen."""

    searches: Mapped[int] = mapped_column(BigInteger)
    zero_results: Mapped[int] = mapped_column(BigInteger)
    max_results: Mapped[int] = mapped_column(BigInteger)


class FunnelSteps:
    """A visitor's funnel events per step."""

    product_viewed: Mapped[int] = mapped_column(BigInteger)
    added_to_cart: Mapped[int] = mapped_column(BigInteger)
    checkout_started: Mapped[int] = mapped_column(BigInteger)
    order_placed: Mapped[int] = mapped_column(BigInteger)


class BuyerTotals:
    """A buyer's paid orders, gross and refunded."""

    orders: Mapped[int] = mapped_column(BigInteger)
    gross_cents: Mapped[int] = mapped_column(BigInteger)
    refunded_cents: Mapped[int] = mapped_column(BigInteger)


class DailyOrders(Base, TenantOwned):
    """Daily rollup of the order facts per dimension (``analytics/rollups.py``), kept by every fact write.

    ``dim`` is ``all`` (key ``""``), ``state``, ``payment_method``, ``channel``, ``promotion``
    (coupon | loyalty | none), ``coupon`` (the order's codes) — paid orders only — or ``status``
    (every order placed, ``gross_cents`` = its total)."""

    __tablename__ = "analytics_daily_orders"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dim: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    orders: Mapped[int] = mapped_column(BigInteger)
    gross_cents: Mapped[int] = mapped_column(BigInteger)
    refunded_cents: Mapped[int] = mapped_column(BigInteger)
    discount_cents: Mapped[int] = mapped_column(BigInteger)
    loyalty_cents: Mapped[int] = mapped_column(BigInteger)
    carbon_g: Mapped[int] = mapped_column(BigInteger)
    avoided_g: Mapped[int] = mapped_column(BigInteger)
    shipped_g: Mapped[int] = mapped_column(BigInteger)
    eco_packaging: Mapped[int] = mapped_column(BigInteger)
    green_delivery: Mapped[int] = mapped_column(BigInteger)


class DailyLines(Base, TenantOwned, LineMeasures):
    """Daily rollup of the paid order lines per category and product (sku and name as sold); the row with
    ``sku = ""`` is the category's total of the day (read by the category and sustainability reports)."""

    __tablename__ = "analytics_daily_lines"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class DailySearches(Base, TenantOwned, SearchMeasures):
    """Daily rollup of searches per query: how many, how many found nothing, the most results seen."""

    __tablename__ = "analytics_daily_searches"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    query: Mapped[str] = mapped_column(String(200), primary_key=True)


class MonthlySearches(Base, TenantOwned, SearchMeasures):
    """Monthly rollup of searches per query, the same measures as the daily one (what the search reports
    read for the whole months of a range; the days at its edges come from ``analytics_daily_searches``)."""

    __tablename__ = "analytics_monthly_searches"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    #: The first day of the month.
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    query: Mapped[str] = mapped_column(String(200), primary_key=True)


class MonthlyLines(Base, TenantOwned, LineMeasures):
    """Monthly rollup of the paid order lines per category and product, the row with ``sku = ""`` the
    category's total (what the reports read for the whole months of a range; the partial months at its
    edges come from ``analytics_daily_lines``)."""

    __tablename__ = "analytics_monthly_lines"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    #: The first day of the month.
    month: Mapped[date] = mapped_column(Date, primary_key=True)


class Customer(Base, TenantOwned, BuyerTotals):
    """One buyer with a paid order: the first paid order (new vs returning), paid orders and revenue ever;
    rewritten from the buyer's order facts whenever one of them changes."""

    __tablename__ = "analytics_customers"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    first_at: Mapped[datetime] = mapped_column()
    first_day: Mapped[date] = mapped_column(Date)


class CustomerMonth(Base, TenantOwned, BuyerTotals):
    """A buyer's paid orders in one month (distinct customers of a range; activity after the first month)."""

    __tablename__ = "analytics_customer_months"
    __table_args__ = (Index("ix_analytics_customer_months_month", "tenant_id", "month", "user_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)


class BuyerMonth(Base, TenantOwned):
    """Buyers active in ``month`` (a paid order) whose previous active month was ``prev_month``
    (``date.min``: none before). Distinct buyers of the whole months m1..m2 = the buyers of the rows with
    m1 <= month <= m2 and prev_month < m1 — each buyer counted once, at their first active month of the
    range; a dozen rows a month instead of a probe per customer."""

    __tablename__ = "analytics_buyer_months"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    prev_month: Mapped[date] = mapped_column(Date, primary_key=True)
    buyers: Mapped[int] = mapped_column(BigInteger)


class Cohort(Base, TenantOwned):
    """Buyers by month of first paid order: ``month_offset`` 0 counts them all (and ``repeat_buyers``, those
    with more than one paid order ever); ``month_offset`` k > 0 those with a paid order k months after the first."""

    __tablename__ = "analytics_cohorts"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    cohort: Mapped[date] = mapped_column(Date, primary_key=True)
    month_offset: Mapped[int] = mapped_column(Integer, primary_key=True)
    buyers: Mapped[int] = mapped_column(BigInteger)
    repeat_buyers: Mapped[int] = mapped_column(BigInteger)


class VisitorDay(Base, TenantOwned, FunnelSteps):
    """One consenting visitor's funnel events of one day, by step (the funnel counts distinct visitors
    per step over these rows instead of the raw events)."""

    __tablename__ = "analytics_visitor_days"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor: Mapped[str] = mapped_column(String(64), primary_key=True)


class VisitorMonth(Base, TenantOwned, FunnelSteps):
    """One consenting visitor's funnel events of one month, by step (the visitor-days summed per month)."""

    __tablename__ = "analytics_visitor_months"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor: Mapped[str] = mapped_column(String(64), primary_key=True)


class FunnelMonth(Base, TenantOwned):
    """Per funnel step and month: the visitors with that step in the month whose previous month with it was
    ``prev_month`` (``date.min``: none), and their events. Distinct visitors of the whole months m1..m2 =
    Σ visitors with m1 <= month <= m2 and prev_month < m1; events = Σ events."""

    __tablename__ = "analytics_funnel_months"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    step: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    prev_month: Mapped[date] = mapped_column(Date, primary_key=True)
    visitors: Mapped[int] = mapped_column(BigInteger)
    events: Mapped[int] = mapped_column(BigInteger)
