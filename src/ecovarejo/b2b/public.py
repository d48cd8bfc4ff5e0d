"""The b2b context's public surface: what orders, web, GraphQL and the CLI may call.

- ``await membership(uow, user_id) -> MemberView | None`` — the user's role in their company and limit.
- ``await authorize_spend(uow, user_id, lines, total)`` — checkout's check for a company buyer: within
  the limit, or an approved request for these lines is used up; else ``ApprovalRequired`` (403).

- ``await prices_for(uow, company_id, {sku: (qty, catalog unit price)}, now) -> {sku: ListPrice}`` — the
  company's best list price per line and its rule; ``check_quantity(price, qty)`` its MOQ/multiple.

Views are frozen dataclasses; no ORM row crosses this boundary.
"""

from __future__ import annotations

from .models import ROLES
from .pricelists import ListPrice, check_quantity, prices_for
from .service import ApprovalRequired, ApprovalView, MemberView, authorize_spend, membership

__all__ = [
    "ROLES",
    "ApprovalRequired",
    "ApprovalView",
    "ListPrice",
    "MemberView",
    "authorize_spend",
    "check_quantity",
    "membership",
    "prices_for",
]
