"""Quotes (RFQ): a company buyer asks for prices on some lines, staff price them and set the terms, send
the quote (the buyer is e-mailed), and the buyer accepts (stock is held for it), rejects or negotiates (a
new revision). An accepted quote is bought once through the ordinary checkout at its prices
(``POST /api/v1/orders`` with ``quote_id``), which asks :func:`quote_for_checkout` and
:func:`mark_ordered` here. A job marks sent quotes past their date ``expired``.

Stock and the buyer's catalog prices belong to contexts above this one: :class:`QuoteDesk` is the port
the orders context plugs in (bootstrap wires it; b2b never imports them).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.db import new_id
from ecovarejo.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork

from . import quotes_repository as repo
from .quote_models import Quote, QuoteMessage, QuoteRevision
from .service import membership

MAX_LINES = 50
#: The cart's cap per line applies to quotes too (the checkout that buys the quote enforces it).
MAX_PAYMENT_TERMS = 60
#: How long stock stays held for an accepted quote that has not been bought yet.
ACCEPTED_HOLD = timedelta(days=7)
CENT = Decimal("0.01")
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


# --------------------------------------------------------------------------- port


@dataclass(frozen=True)
class CatalogPrice:
    """What the buyer would pay today for a line (their price list's price, else the catalog's)."""

    title: str
    unit_price: Decimal


class QuoteDesk(Protocol):
    """Provided by the orders context: the buyer's prices for lines, and stock held for an accepted quote."""

    async def price(
        self, uow: UnitOfWork, company_id: uuid.UUID, lines: Mapping[str, int]
    ) -> dict[str, CatalogPrice]: ...

    async def hold(
        self, uow: UnitOfWork, lines: Mapping[str, int], *, reference: str, now: datetime, until: datetime, actor: str
    ) -> None: ...


def desk_of(container: Container) -> QuoteDesk:
    return container.ports.get(QuoteDesk)


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class QuoteLine:
    sku: str
    title: str
    quantity: int
    catalog_price: Decimal | None
    unit_price: Decimal | None

    @property
    def line_total(self) -> Decimal | None:
        return None if self.unit_price is None else quantize(self.unit_price * self.quantity)


@dataclass(frozen=True)
class RevisionView:
    revision: int
    lines: tuple[QuoteLine, ...]
    total: Decimal | None
    payment_terms: str | None
    valid_until: datetime | None
    terms_note: str | None
    sent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class MessageView:
    revision: int
    author_kind: str
    action: str
    body: str | None
    created_at: datetime


@dataclass(frozen=True)
class QuoteView:
    id: uuid.UUID
    number: str
    company_id: uuid.UUID
    requester_id: uuid.UUID
    status: str
    revision: int
    valid_until: datetime | None
    accepted_at: datetime | None
    order_id: uuid.UUID | None
    created_at: datetime
    current: RevisionView
    revisions: tuple[RevisionView, ...]
    messages: tuple[MessageView, ...]


@dataclass(frozen=True)
class QuotedOrder:
    """An accepted quote as checkout buys it: its lines at its prices, and the stock held under ``reference``."""

    quote_id: uuid.UUID
    number: str
    lines: dict[str, int]
    prices: dict[str, Decimal]
    reference: str


def _lines(raw: Sequence[Mapping[str, Any]]) -> tuple[QuoteLine, ...]:
    def dec(v: Any) -> Decimal | None:
        return None if v is None else Decimal(str(v))

    return tuple(
        QuoteLine(str(x["sku"]), str(x.get("title") or x["sku"]), int(x["quantity"]), dec(x.get("catalog_price")),
                  dec(x.get("unit_price")))
        for x in raw
    )  # fmt: skip


def _revision_view(r: QuoteRevision) -> RevisionView:
    return RevisionView(r.revision, _lines(r.lines), r.total, r.payment_terms, r.valid_until, r.terms_note,
                        r.sent_at, r.created_at)  # fmt: skip


async def _view(uow: UnitOfWork, q: Quote) -> QuoteView:
    revisions = [_revision_view(r) for r in await repo.revisions(uow, q.id)]
    messages = [
        MessageView(m.revision, m.author_kind, m.action, m.body, m.created_at) for m in await repo.messages(uow, q.id)
    ]
    current = next(r for r in revisions if r.revision == q.revision)
    return QuoteView(q.id, q.number, q.company_id, q.requester_id, q.status, q.revision, q.valid_until, q.accepted_at,
                     q.order_id, q.created_at, current, tuple(revisions), tuple(messages))  # fmt: skip


# --------------------------------------------------------------------------- checks


def _check_lines(lines: Mapping[str, int]) -> dict[str, int]:
    if not lines:
        raise InvalidInput("a quote needs at least one line", code="no_items")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} lines per quote", code="too_many_lines")
    out: dict[str, int] = {}
    for sku, qty in lines.items():
        if not sku.strip() or not isinstance(qty, int) or qty < 1:
            raise InvalidInput(f"{sku}: the quantity must be a whole number from 1", code="invalid_quantity",
                               extra={"sku": sku})  # fmt: skip
        out[sku.strip()] = qty
    return out


def _price(sku: str, value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite() or not 0 <= amount <= Decimal("10000000") or amount != amount.quantize(CENT):
        raise InvalidInput(f"{sku}: the unit price must be an amount in reais with at most 2 decimals",
                           code="invalid_price", extra={"sku": sku})  # fmt: skip
    return quantize(amount)


def _text(value: str | None, limit: int, field: str) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(f"{field}: at most {limit} characters", code="text_too_long", extra={"field": field})
    return text or None


async def _member(uow: UnitOfWork, principal: Principal) -> uuid.UUID:
    me = await membership(uow, principal.user_id)
    if me is None:
        raise Forbidden("only a company's members can ask for quotes", code="company_required")
    return me.company_id


async def _own(uow: UnitOfWork, principal: Principal, quote_id: uuid.UUID, *, lock: bool = False) -> Quote:
    """The quote, when it is the caller's company's; any other (another company, another tenant) is 404."""
    company_id = await _member(uow, principal)
    q = await repo.quote(uow, quote_id, lock=lock)
    if q is None or q.company_id != company_id:
        raise NotFound("no such quote", code="quote_not_found")
    return q


def _message(uow: UnitOfWork, q: Quote, kind: str, author: uuid.UUID | None, action: str, body: str | None) -> None:
    repo.add(uow, QuoteMessage(quote_id=q.id, revision=q.revision, author_kind=kind,
                               author_id=author, action=action, body=body))  # fmt: skip


# --------------------------------------------------------------------------- buyer


async def request_quote(
    uow: UnitOfWork, desk: QuoteDesk, principal: Principal, lines: Mapping[str, int], note: str | None, now: datetime
) -> QuoteView:
    """A company member asks for prices on ``lines`` (SKU -> desired quantity); staff see it in their queue."""
    company_id = await _member(uow, principal)
    wanted = _check_lines(lines)
    body = _text(note, 2000, "note")
    prices = await desk.price(uow, company_id, wanted)
    q = Quote(id=new_id(), number=_number(now), company_id=company_id,
              requester_id=principal.user_id, status="requested", revision=1)  # fmt: skip
    repo.add(uow, q)
    rev_lines = [
        {"sku": sku, "title": prices[sku].title, "quantity": qty, "catalog_price": str(prices[sku].unit_price),
         "unit_price": None}
        for sku, qty in sorted(wanted.items())
    ]  # fmt: skip
    repo.add(uow, QuoteRevision(quote_id=q.id, revision=1, lines=rev_lines, created_at=now))
    _message(uow, q, "buyer", principal.user_id, "requested", body)
    await uow.session.flush()
    return await _view(uow, q)


def _number(now: datetime) -> str:
    return f"COT-{now.strftime('%y%m%d')}-{''.join(secrets.choice(_ALPHABET) for _ in range(6))}"


async def buyer_quotes(uow: UnitOfWork, principal: Principal, status: str | None) -> list[Quote]:
    company_id = await _member(uow, principal)
    return await repo.quotes(uow, company_id=company_id, status=status, limit=200)


async def buyer_quote(uow: UnitOfWork, principal: Principal, quote_id: uuid.UUID) -> QuoteView:
    return await _view(uow, await _own(uow, principal, quote_id))


async def accept(
    uow: UnitOfWork, desk: QuoteDesk, principal: Principal, quote_id: uuid.UUID, now: datetime
) -> QuoteView:
    """Accept the quote as sent: stock is held for it (all or nothing). Accepting again answers the quote
    as it is (idempotent); after its date ``409 quote_expired``; a quote not sent ``409 quote_not_open``."""
    q = await _own(uow, principal, quote_id)
    if q.status in ("accepted", "ordered"):
        return await _view(uow, q)
    _check_open(q, now)
    # compare-and-set: of two accepts at once one wins; the other waits on the row, then finds it accepted
    if not await repo.move(uow, q.id, "sent", "accepted", revision=q.revision, accepted_at=now,
                           accepted_by=principal.user_id):  # fmt: skip
        q = await repo.reload(uow, quote_id)
        if q.status in ("accepted", "ordered"):
            return await _view(uow, q)
        _check_open(q, now)
        raise Conflict(
            "the quote changed meanwhile; reload it",
            code="quote_not_open",
            extra={"quote_status": q.status},
        )
    rev = await repo.revision(uow, q.id, q.revision)
    assert rev is not None
    lines = {x["sku"]: int(x["quantity"]) for x in rev.lines}
    await desk.hold(uow, lines, reference=reference_of(q.id), now=now, until=now + ACCEPTED_HOLD,
                    actor=str(principal.user_id))  # fmt: skip
    q = await repo.reload(uow, quote_id)
    _message(uow, q, "buyer", principal.user_id, "accepted", None)
    await uow.session.flush()
    return await _view(uow, q)


def reference_of(quote_id: uuid.UUID) -> str:
    """The inventory reference of the stock held for an accepted quote."""
    return f"quote:{quote_id}"


def _check_open(q: Quote, now: datetime) -> None:
    if q.status == "expired" or (q.status == "sent" and q.valid_until is not None and q.valid_until <= now):
        raise Conflict("the quote expired: ask for a new one", code="quote_expired",
                       extra={"valid_until": q.valid_until.isoformat() if q.valid_until else None})  # fmt: skip
    if q.status != "sent":
        raise Conflict(f"the quote is {q.status}, not waiting for an answer", code="quote_not_open",
                       extra={"quote_status": q.status},
        )  # fmt: skip


async def reject(
    uow: UnitOfWork, principal: Principal, quote_id: uuid.UUID, note: str | None, now: datetime
) -> QuoteView:
    q = await _own(uow, principal, quote_id)
    body = _text(note, 2000, "note")
    _check_open(q, now)
    if not await repo.move(uow, q.id, "sent", "rejected", revision=q.revision):
        raise Conflict("the quote changed meanwhile; reload it", code="quote_not_open")
    q = await repo.reload(uow, quote_id)
    _message(uow, q, "buyer", principal.user_id, "rejected", body)
    await uow.session.flush()
    return await _view(uow, q)


async def negotiate(
    uow: UnitOfWork,
    principal: Principal,
    quote_id: uuid.UUID,
    message: str,
    quantities: Mapping[str, int] | None,
    now: datetime,
) -> QuoteView:
    """Ask staff for another proposal: a new revision (the last one's lines, with the quantities the buyer
    now wants) that staff price and send again; the message is kept in the history."""
    q = await _own(uow, principal, quote_id)
    body = _text(message, 2000, "message")
    if body is None:
        raise InvalidInput("say what you would like changed", code="message_required")
    _check_open(q, now)
    last = await repo.revision(uow, q.id, q.revision)
    assert last is not None
    lines = [dict(x) for x in last.lines]
    if quantities:
        known = {x["sku"] for x in lines}
        wanted = _check_lines(quantities)
        unknown = sorted(set(wanted) - known)
        if unknown:
            raise InvalidInput(f"not in the quote: {', '.join(unknown)}", code="unknown_line",
                               extra={"sku": unknown[0]})  # fmt: skip
        for x in lines:
            x["quantity"] = wanted.get(x["sku"], x["quantity"])
    if not await repo.move(uow, q.id, "sent", "negotiating", revision=q.revision, next_revision=True):
        raise Conflict("the quote changed meanwhile; reload it", code="quote_not_open")
    q = await repo.reload(uow, quote_id)
    repo.add(uow, QuoteRevision(quote_id=q.id, revision=q.revision, lines=lines,
                                payment_terms=last.payment_terms, terms_note=last.terms_note, created_at=now,
                                total=_total(lines)))  # fmt: skip
    _message(uow, q, "buyer", principal.user_id, "negotiate", body)
    await uow.session.flush()
    return await _view(uow, q)


def _total(lines: Sequence[Mapping[str, Any]]) -> Decimal | None:
    if any(x.get("unit_price") is None for x in lines):
        return None
    return quantize(sum((Decimal(str(x["unit_price"])) * int(x["quantity"]) for x in lines), Decimal("0")))


# --------------------------------------------------------------------------- staff


async def staff_quotes(uow: UnitOfWork, status: str | None) -> list[Quote]:
    return await repo.quotes(uow, company_id=None, status=status, limit=200)


async def staff_quote(uow: UnitOfWork, quote_id: uuid.UUID) -> QuoteView:
    q = await repo.quote(uow, quote_id)
    if q is None:
        raise NotFound("no such quote", code="quote_not_found")
    return await _view(uow, q)


EDITABLE = ("requested", "negotiating")


async def edit(
    uow: UnitOfWork,
    quote_id: uuid.UUID,
    *,
    prices: Mapping[str, Any],
    quantities: Mapping[str, int],
    payment_terms: str | None,
    valid_until: datetime | None,
    terms_note: str | None,
    now: datetime,
) -> QuoteView:
    """Staff set the current revision's unit prices (and quantities) and terms; nothing is saved on any error."""
    q = await repo.quote(uow, quote_id, lock=True)
    if q is None:
        raise NotFound("no such quote", code="quote_not_found")
    if q.status not in EDITABLE:
        raise Conflict(
            f"a {q.status} quote cannot be edited",
            code="quote_not_editable",
            extra={"quote_status": q.status},
        )
    rev = await repo.revision(uow, q.id, q.revision)
    assert rev is not None
    lines = [dict(x) for x in rev.lines]
    known = {x["sku"] for x in lines}
    unknown = sorted((set(prices) | set(quantities)) - known)
    if unknown:
        raise InvalidInput(f"not in the quote: {', '.join(unknown)}", code="unknown_line", extra={"sku": unknown[0]})
    checked = {sku: str(_price(sku, v)) for sku, v in prices.items()}
    qty = _check_lines(quantities) if quantities else {}
    if valid_until is not None and valid_until <= now:
        raise InvalidInput("the validity date must be in the future", code="invalid_valid_until")
    terms = _text(payment_terms, MAX_PAYMENT_TERMS, "payment_terms")
    note = _text(terms_note, 1000, "terms_note")
    for x in lines:
        if x["sku"] in checked:
            x["unit_price"] = checked[x["sku"]]
        x["quantity"] = qty.get(x["sku"], x["quantity"])
    rev.lines = lines
    rev.total = _total(lines)
    rev.payment_terms = terms
    rev.terms_note = note
    if valid_until is not None:
        rev.valid_until = valid_until
    await uow.session.flush()
    return await _view(uow, q)


async def send(uow: UnitOfWork, staff: Principal, quote_id: uuid.UUID, now: datetime) -> QuoteView:
    """Send the priced revision to the buyer (e-mail through the notifications context, and the account page)."""
    q = await repo.quote(uow, quote_id, lock=True)
    if q is None:
        raise NotFound("no such quote", code="quote_not_found")
    if q.status not in EDITABLE:
        raise Conflict(
            f"a {q.status} quote cannot be sent",
            code="quote_not_editable",
            extra={"quote_status": q.status},
        )
    rev = await repo.revision(uow, q.id, q.revision)
    assert rev is not None
    unpriced = [x["sku"] for x in rev.lines if x.get("unit_price") is None]
    if unpriced:
        raise InvalidInput(f"price every line first: {', '.join(unpriced)}", code="quote_unpriced",
                           extra={"sku": unpriced[0]})  # fmt: skip
    if rev.valid_until is None or rev.valid_until <= now:
        raise InvalidInput("set a validity date in the future", code="invalid_valid_until")
    rev.sent_at, rev.sent_by = now, staff.user_id
    q.status, q.valid_until = "sent", rev.valid_until
    _message(uow, q, "staff", staff.user_id, "sent", rev.terms_note)
    uow.emit(
        "notification",
        "notification.requested",
        {
            "template": "quote_sent",
            "context": {  # people by id only: notifications resolve the contact at send time
                "quote_number": q.number,
                "quote_id": str(q.id),
                "revision": q.revision,
                "total": str(rev.total),
                "payment_terms": rev.payment_terms or "",
                "valid_until": rev.valid_until.isoformat(),
                "url": f"/conta/cotacoes/{q.id}",
            },
            "to_user_id": str(q.requester_id),
            "channel": ["email"],
        },
        subject=str(q.id),
    )
    await uow.session.flush()
    return await _view(uow, q)


# --------------------------------------------------------------------------- expiry and checkout


async def expire_due(uow: UnitOfWork, now: datetime) -> int:
    """Mark this tenant's sent quotes past their date ``expired`` (each with its history line)."""
    count = 0
    for q in await repo.due(uow, now, limit=500):
        if await repo.move(uow, q.id, "sent", "expired", revision=q.revision):
            _message(uow, q, "system", None, "expired", None)
            count += 1
    await uow.session.flush()
    return count


async def expire_quotes_job(container: Container) -> int:
    """Worker job: expired quotes across tenants, each tenant in its own unit of work."""
    now = container.now()
    async with container.uow(None, read_only=True) as sys_uow:
        tenants = await repo.tenants_with_due(sys_uow, now)
    total = 0
    for tenant_id in sorted(tenants):
        async with container.uow(tenant_id, actor="system:quotes") as uow:
            total += await expire_due(uow, now)
            await uow.commit()
    return total


async def quote_for_checkout(
    uow: UnitOfWork, quote_id: uuid.UUID, user_id: uuid.UUID, company_id: uuid.UUID | None
) -> QuotedOrder:
    """The accepted quote a company buyer checks out (404 for anyone else's; 409 once bought or if not accepted)."""
    q = await repo.quote(uow, quote_id)
    if q is None or company_id is None or q.company_id != company_id:
        raise NotFound("no such quote", code="quote_not_found")
    if q.status == "ordered":
        raise Conflict("this quote was already bought", code="quote_already_ordered",
                       extra={"order_id": str(q.order_id)})  # fmt: skip
    if q.status != "accepted":
        raise Conflict(
            "accept the quote before checking it out",
            code="quote_not_accepted",
            extra={"quote_status": q.status},
        )
    rev = await repo.revision(uow, q.id, q.revision)
    assert rev is not None
    return QuotedOrder(
        q.id, q.number, {x["sku"]: int(x["quantity"]) for x in rev.lines},
        {x["sku"]: Decimal(str(x["unit_price"])) for x in rev.lines}, reference_of(q.id),
    )  # fmt: skip


async def mark_ordered(uow: UnitOfWork, quote_id: uuid.UUID, order_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """In the checkout's order transaction: the quote is bought once (a second checkout is refused)."""
    q = await repo.quote(uow, quote_id)
    if q is None or not await repo.move(uow, quote_id, "accepted", "ordered", revision=q.revision, order_id=order_id):
        raise Conflict("this quote was already bought", code="quote_already_ordered")
    _message(uow, q, "buyer", user_id, "ordered", None)
