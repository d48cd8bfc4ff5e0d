"""A company buyer's quotes (RFQ) over GraphQL: ``myQuotes``, ``quote(id:)`` and the mutations
``requestQuote``, ``acceptQuote``, ``rejectQuote``, ``negotiateQuote``.

The steps are the b2b context's (``b2b.public``: the same calls as ``/api/v1/b2b/quotes``), so the rules
and the errors are the REST ones: a consumer gets ``company_required``, another company's quote
``quote_not_found``, accepting after the date ``quote_expired``, each in ``extensions.code`` with its HTTP
``status``. Staff price and send quotes through REST and the admin pages.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from ecovarejo.b2b import public as b2b
from ecovarejo.core.errors import NotFound

from .context import GQLContext

Ctx = Info[GQLContext, None]


@strawberry.type
class QuoteLine:
    sku: str
    title: str
    quantity: int
    catalog_price: Decimal | None = strawberry.field(
        description="The buyer's price today (its list's, else the catalog's)."
    )
    unit_price: Decimal | None = strawberry.field(description="The quoted unit price; null until staff price it.")
    line_total: Decimal | None


@strawberry.type
class QuoteRevision:
    revision: int
    lines: list[QuoteLine]
    total: Decimal | None
    payment_terms: str | None
    valid_until: datetime | None
    terms_note: str | None
    sent_at: datetime | None
    created_at: datetime


@strawberry.type
class QuoteMessage:
    revision: int
    author_kind: str
    action: str
    body: str | None
    created_at: datetime


@strawberry.type
class QuoteSummary:
    id: strawberry.ID
    number: str
    status: str
    revision: int
    valid_until: datetime | None
    order_id: strawberry.ID | None
    created_at: datetime


@strawberry.type
class Quote:
    id: strawberry.ID
    number: str
    status: str
    revision: int
    valid_until: datetime | None
    accepted_at: datetime | None
    order_id: strawberry.ID | None
    created_at: datetime
    current: QuoteRevision
    revisions: list[QuoteRevision]
    messages: list[QuoteMessage]


@strawberry.input
class QuoteLineInput:
    sku: str
    quantity: int


def _revision(r: b2b.RevisionView) -> QuoteRevision:
    return QuoteRevision(
        revision=r.revision,
        lines=[
            QuoteLine(sku=ln.sku, title=ln.title, quantity=ln.quantity, catalog_price=ln.catalog_price,
                      unit_price=ln.unit_price, line_total=ln.line_total)
            for ln in r.lines
        ],
        total=r.total, payment_terms=r.payment_terms, valid_until=r.valid_until, terms_note=r.terms_note,
        sent_at=r.sent_at, created_at=r.created_at,
    )  # fmt: skip


def _id(value: uuid.UUID | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


def _quote(v: b2b.QuoteView) -> Quote:
    return Quote(
        id=strawberry.ID(str(v.id)), number=v.number, status=v.status, revision=v.revision,
        valid_until=v.valid_until, accepted_at=v.accepted_at, order_id=_id(v.order_id), created_at=v.created_at,
        current=_revision(v.current), revisions=[_revision(r) for r in v.revisions],
        messages=[QuoteMessage(revision=m.revision, author_kind=m.author_kind, action=m.action, body=m.body,
                               created_at=m.created_at) for m in v.messages],
    )  # fmt: skip


def _quote_id(value: strawberry.ID) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound("no such quote", code="quote_not_found") from None


@strawberry.type
class QuotesQuery:
    @strawberry.field(description="The caller's company's quotes, newest first (optionally of one status).")  # type: ignore[untyped-decorator]
    async def my_quotes(self, info: Ctx, status: str | None = None) -> list[QuoteSummary]:
        ctx = info.context
        principal = await ctx.require_principal()
        async with ctx.db() as uow:
            found = await b2b.my_quotes(uow, principal, (status or "")[:20] or None)
        return [
            QuoteSummary(id=strawberry.ID(str(q.id)), number=q.number, status=q.status, revision=q.revision,
                         valid_until=q.valid_until, order_id=_id(q.order_id), created_at=q.created_at)
            for q in found
        ]  # fmt: skip

    @strawberry.field(description="One of the company's quotes with its revisions and history.")  # type: ignore[untyped-decorator]
    async def quote(self, info: Ctx, id: strawberry.ID) -> Quote:
        ctx = info.context
        principal = await ctx.require_principal()
        async with ctx.db() as uow:
            return _quote(await b2b.my_quote(uow, principal, _quote_id(id)))


@strawberry.type
class QuotesMutation:
    @strawberry.mutation(description="Ask for a quote on these lines (quantities wanted) with a note for staff.")  # type: ignore[untyped-decorator]
    async def request_quote(self, info: Ctx, lines: list[QuoteLineInput], note: str | None = None) -> Quote:
        ctx = info.context
        principal = await ctx.require_principal()
        async with ctx.write() as uow:
            view = await b2b.request_quote(uow, ctx.container, principal, [(ln.sku, ln.quantity) for ln in lines], note)
        return _quote(view)

    @strawberry.mutation(description="Accept the quote as sent: stock is held for it (again: the same answer).")  # type: ignore[untyped-decorator]
    async def accept_quote(self, info: Ctx, id: strawberry.ID) -> Quote:
        ctx = info.context
        principal = await ctx.require_principal()
        async with ctx.write() as uow:
            view = await b2b.answer_quote(uow, ctx.container, principal, _quote_id(id), "accept")
        return _quote(view)

    @strawberry.mutation(description="Decline the quote as sent, with an optional note.")  # type: ignore[untyped-decorator]
    async def reject_quote(self, info: Ctx, id: strawberry.ID, note: str | None = None) -> Quote:
        ctx = info.context
        principal = await ctx.require_principal()
        async with ctx.write() as uow:
            view = await b2b.answer_quote(uow, ctx.container, principal, _quote_id(id), "reject", note=note)
        return _quote(view)

    @strawberry.mutation(description="Ask for another proposal, optionally with new quantities of its lines.")  # type: ignore[untyped-decorator]
    async def negotiate_quote(
        self, info: Ctx, id: strawberry.ID, message: str, lines: list[QuoteLineInput] | None = None
    ) -> Quote:
        ctx = info.context
        principal = await ctx.require_principal()
        quantities = {ln.sku: ln.quantity for ln in lines} if lines else None
        async with ctx.write() as uow:
            view = await b2b.answer_quote(uow, ctx.container, principal, _quote_id(id), "negotiate", note=message,
                                          quantities=quantities)  # fmt: skip
        return _quote(view)
