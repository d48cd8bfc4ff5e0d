"""The b2b context's public surface: what orders, web, GraphQL and the CLI may call.

- ``await membership(uow, user_id) -> MemberView | None`` — the user's role in their company and limit.
- ``await authorize_spend(uow, user_id, lines, total)`` — checkout's check for a company buyer: within
  the limit, or an approved request for these lines is used up; else ``ApprovalRequired`` (403).

- ``await prices_for(uow, company_id, {sku: (qty, catalog unit price)}, now) -> {sku: ListPrice}`` — the
  company's best list price per line and its rule; ``check_quantity(price, qty)`` its MOQ/multiple.
- ``await buyer_prices(uow, company_id, {sku: catalog unit price}, now) -> {sku: BuyerPrice}`` — the
  catalog and product pages' list price (at the MOQ, its rule) with every quantity break (``PriceBreak``).
  ``ListPriceOverlay`` is the products context's ``BuyerPrices`` port over it (the REST catalog).

- Invoiced terms (faturado): ``await check_credit(uow, company_id, total, now)`` before reserving stock,
  ``await open_invoice(uow, ...)`` in the order's transaction (checks again under the company's credit
  lock; the invoice and one boleto per instalment); ``invoice_for_order`` for the order's pages;
  ``await reduce_invoice(uow, order_id, amount, now) -> InvoiceAdjustment | None`` when the order is refunded
  or cancelled (open instalments reduced or cancelled, the last due first; beyond them: ``to_return``).

- Quotes (RFQ): ``await quote_for_checkout(uow, quote_id, user_id, company_id) -> QuotedOrder`` — an accepted
  quote's lines and prices for checkout; ``await mark_quote_ordered(uow, quote_id, order_id, user_id)`` in the
  order's transaction (once). ``QuoteDesk`` is the port the orders context provides (prices, stock holds).
  A buyer's steps for every channel (GraphQL; REST calls the same): ``request_quote``, ``my_quotes``,
  ``my_quote``, ``answer_quote(uow, container, principal, quote_id, "accept" | "reject" | "negotiate", ...)``
  -> ``QuoteView`` / ``QuoteSummary`` (the caller commits).

Views are frozen dataclasses; no ORM row crosses this boundary.
"""

from __future__ import annotations

from .credit import (
    CreditLimitExceeded,
    InstalmentView,
    InvoiceOverdue,
    InvoiceView,
    TermsNotApproved,
    check_credit,
    invoice_for_order,
    open_invoice,
)
from .invoice_adjust import InvoiceAdjustment, reduce_invoice
from .models import ROLES
from .pricelists import BuyerPrice, ListPrice, PriceBreak, buyer_prices, check_quantity, prices_for
from .quote_actions import QuoteSummary
from .quote_actions import answer as answer_quote
from .quote_actions import mine as my_quotes
from .quote_actions import one as my_quote
from .quote_actions import request as request_quote
from .quotes import (
    CatalogPrice,
    MessageView,
    QuoteDesk,
    QuotedOrder,
    QuoteLine,
    QuoteView,
    RevisionView,
    quote_for_checkout,
)
from .quotes import mark_ordered as mark_quote_ordered
from .service import ApprovalRequired, ApprovalView, MemberView, authorize_spend, membership

__all__ = [
    "ROLES",
    "ApprovalRequired",
    "ApprovalView",
    "BuyerPrice",
    "CatalogPrice",
    "CreditLimitExceeded",
    "InstalmentView",
    "InvoiceAdjustment",
    "InvoiceOverdue",
    "InvoiceView",
    "ListPrice",
    "MemberView",
    "MessageView",
    "PriceBreak",
    "QuoteDesk",
    "QuoteLine",
    "QuoteSummary",
    "QuoteView",
    "QuotedOrder",
    "RevisionView",
    "TermsNotApproved",
    "answer_quote",
    "authorize_spend",
    "buyer_prices",
    "check_credit",
    "check_quantity",
    "invoice_for_order",
    "mark_quote_ordered",
    "membership",
    "my_quote",
    "my_quotes",
    "open_invoice",
    "prices_for",
    "quote_for_checkout",
    "reduce_invoice",
    "request_quote",
]
