"""The NF-e flag on the admin order page and the admin orders list: a rejected, failed or denied note
leaves its order paid (docs/fiscal.md), so staff must see it where they look at orders."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from .inproc import ApiError, api, exists


async def nfe_of(request: Request, order_id: str) -> dict[str, Any] | None:
    """The order's note as staff see it (None: no note, or the fiscal API is not served here)."""
    if not exists(request, "/api/v1/admin/fiscal/nfe"):
        return None
    try:
        found = await api(request, "GET", f"/api/v1/admin/fiscal/nfe/{order_id}")
    except ApiError:
        return None
    return found if isinstance(found, dict) else None


async def flagged_notes(request: Request) -> dict[str, str]:
    """``{order_id: status}`` of the 200 newest flagged notes (one request for the whole list)."""
    if not exists(request, "/api/v1/admin/fiscal/nfe"):
        return {}
    try:
        found = await api(request, "GET", "/api/v1/admin/fiscal/nfe", params={"flagged": "true", "limit": 200})
    except ApiError:
        return {}
    return {str(n["order_id"]): str(n["status"]) for n in (found or {}).get("items") or []}
