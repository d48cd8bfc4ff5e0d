"""Quote (RFQ) tables: a company's request, its revisions (lines and terms as staff priced them) and the
messages between buyer and staff. People are named by user id only (the users context knows who)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.db import Base, TenantOwned, Timestamped, new_id, utcnow
from ecovarejo.core.money import MoneyCents

#: requested → (staff prices it) sent → accepted → ordered; sent → rejected | negotiating | expired;
#: negotiating → (staff prices the new revision) sent.
QUOTE_STATUSES = ("requested", "sent", "negotiating", "accepted", "rejected", "expired", "ordered")


class Quote(Base, TenantOwned, Timestamped):
    __tablename__ = "b2b_quotes"
    __table_args__ = (UniqueConstraint("tenant_id", "number", name="uq_b2b_quotes_tenant_number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    #: ``COT-YYMMDD-XXXXXX``: what the buyer and staff say on the phone and what an order line names.
    number: Mapped[str] = mapped_column(String(24))
    company_id: Mapped[uuid.UUID] = mapped_column(index=True)
    requester_id: Mapped[uuid.UUID] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="requested", index=True)
    #: The revision in force (1, 2, ...): the one staff edit, send, and the buyer accepts.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    #: The current revision's validity (denormalised for the expiry job's one UPDATE).
    valid_until: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)


class QuoteRevision(Base, TenantOwned):
    """One version of the quote's lines and terms. ``lines``: ``[{"sku", "title", "quantity",
    "catalog_price", "unit_price"}]`` with money as Decimal strings (``unit_price`` null until priced)."""

    __tablename__ = "b2b_quote_revisions"
    __table_args__ = (UniqueConstraint("quote_id", "revision", name="uq_b2b_quote_revisions_quote_revision"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("b2b_quotes.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total: Mapped[Decimal | None] = mapped_column(MoneyCents, nullable=True)
    payment_terms: Mapped[str | None] = mapped_column(String(60))
    valid_until: Mapped[datetime | None] = mapped_column(nullable=True)
    terms_note: Mapped[str | None] = mapped_column(String(1000))
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    sent_by: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuoteMessage(Base, TenantOwned):
    """The quote's history: each step (request, send, negotiate, accept, reject, expire, order) with its text."""

    __tablename__ = "b2b_quote_messages"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    quote_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("b2b_quotes.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    #: buyer | staff | system
    author_kind: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[uuid.UUID | None] = mapped_column(nullable=True)
    #: requested | sent | negotiate | accepted | rejected | expired | ordered
    action: Mapped[str] = mapped_column(String(20))
    body: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
