"""The b2b context's public surface: what orders, web, GraphQL and the CLI may call.

- ``await membership(uow, user_id) -> MemberView | None`` — the user's role in their company and limit.
- ``await authorize_spend(uow, user_id, lines, total)`` — checkout's check for a company buyer: within
  the limit, or an approved request for these lines is used up; else ``ApprovalRequired`` (403).

Views are frozen dataclasses; no ORM row crosses this boundary.
"""

from __future__ import annotations

from .models import ROLES
from .service import ApprovalRequired, ApprovalView, MemberView, authorize_spend, membership

__all__ = ["ROLES", "ApprovalRequired", "ApprovalView", "MemberView", "authorize_spend", "membership"]
