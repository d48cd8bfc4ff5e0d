"""A buyer's quote steps as every channel calls them (REST ``quotes_api``, GraphQL): the lines summed per
SKU, the container's clock and quote desk, one rule set and one set of errors. The caller commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.errors import InvalidInput
from ecovarejo.core.uow import UnitOfWork

from . import quotes
from .quote_models import Quote
from .quotes import QuoteView

Answer = Literal["accept", "reject", "negotiate"]


def summed(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Quantities per SKU (a SKU named twice asks for both)."""
    out: dict[str, int] = {}
    for sku, qty in lines:
        out[sku] = out.get(sku, 0) + qty
    return out


async def request(
    uow: UnitOfWork, container: Container, principal: Principal, lines: Iterable[tuple[str, int]], note: str | None
) -> QuoteView:
    desk = quotes.desk_of(container)
    return await quotes.request_quote(uow, desk, principal, summed(lines), note, container.now())


async def answer(
    uow: UnitOfWork,
    container: Container,
    principal: Principal,
    quote_id: uuid.UUID,
    step: Answer,
    *,
    note: str | None = None,
    quantities: Mapping[str, int] | None = None,
) -> QuoteView:
    """``accept`` (stock held; idempotent), ``reject`` (with a note) or ``negotiate`` (``note`` is the
    message; new ``quantities`` of lines already in the quote)."""
    now = container.now()
    if step == "accept":
        return await quotes.accept(uow, quotes.desk_of(container), principal, quote_id, now)
    if step == "reject":
        return await quotes.reject(uow, principal, quote_id, note, now)
    if step == "negotiate":
        return await quotes.negotiate(uow, principal, quote_id, note or "", quantities, now)
    raise InvalidInput(f"unknown step {step!r}", code="invalid_step")


@dataclass(frozen=True)
class QuoteSummary:
    id: uuid.UUID
    number: str
    company_id: uuid.UUID
    status: str
    revision: int
    valid_until: datetime | None
    order_id: uuid.UUID | None
    created_at: datetime


def summary(q: Quote) -> QuoteSummary:
    return QuoteSummary(q.id, q.number, q.company_id, q.status, q.revision, q.valid_until, q.order_id, q.created_at)


async def mine(uow: UnitOfWork, principal: Principal, status: str | None) -> list[QuoteSummary]:
    """The company's quotes, newest first (``company_required`` for a consumer)."""
    return [summary(q) for q in await quotes.buyer_quotes(uow, principal, status)]


async def one(uow: UnitOfWork, principal: Principal, quote_id: uuid.UUID) -> QuoteView:
    return await quotes.buyer_quote(uow, principal, quote_id)
