"""Shipping on the storefront pages: CEP → address and priced options (carrier, price, days, kg CO2e)
through the logistics context's HTTP API, for the cart estimate and the checkout's choice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import Request

from ecovarejo.core.errors import DomainError
from ecovarejo.logistics import public as logistics

from .inproc import ApiError, api, exists

QUOTES = "/api/v1/shipping/quotes"


def available(request: Request) -> bool:
    return exists(request, QUOTES)


def clean_cep(value: Any) -> str:
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())[:8]
    return f"{digits[:5]}-{digits[5:]}" if len(digits) == 8 else str(value or "").strip()[:9]


async def lookup(request: Request, cep: str) -> dict[str, Any]:
    """The address of ``cep`` (street, district, city, state) or ``{}`` when unknown/invalid."""
    try:
        found: dict[str, Any] = await api(request, "GET", f"/api/v1/shipping/cep/{cep}")
    except ApiError:
        return {}
    return found


async def options(
    request: Request, cep: str, lines: list[dict[str, Any]], *, cart: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``{"cep", "options", "error"}`` for the cart's lines; the error is a pt-BR/English message key
    or the API's detail.

    With the priced ``cart``, the options are quoted for what the buyer pays (a company buyer's list
    prices count toward the free-shipping threshold, as at checkout) and, when the cart carries a
    free-shipping coupon, the options it frees are shown at R$ 0,00 (the checkout charges them so)."""
    out: dict[str, Any] = {"cep": cep, "options": [], "error": None}
    if not cep or not lines or not available(request):
        return out
    items = [{"sku": str(i["sku"]), "quantity": int(i["quantity"])} for i in lines if i.get("sku")]
    try:
        if cart is None:
            quote: dict[str, Any] = await api(request, "POST", QUOTES, json={"cep": cep, "items": items})
        else:
            quote = await _priced_quote(request, cep, items, cart)
    except DomainError as exc:
        if exc.status >= 500:
            raise
        out["error"] = {"invalid_cep": "cep_invalid", "cep_not_found": "cep_unknown"}.get(exc.code, "")
        out["detail"] = exc.detail
        return out
    out["options"] = quote.get("options") or []
    out["destination"] = quote.get("destination") or {}
    discounts = ((cart or {}).get("summary") or {}).get("discounts") or []
    if any(d.get("kind") == "free_shipping" for d in discounts):
        out["options"] = [
            {**o, "price": "0.00", "free": True} if o.get("free_with_coupon") else o for o in out["options"]
        ]
    return out


async def _priced_quote(
    request: Request, cep: str, items: list[dict[str, Any]], cart: dict[str, Any]
) -> dict[str, Any]:
    """The logistics context's quote in-process, at the cart's own unit prices (never a client's)."""
    lines: dict[str, int] = {}
    prices: dict[str, Decimal] = {}
    for i in items:
        lines[i["sku"]] = lines.get(i["sku"], 0) + i["quantity"]
    for line in cart.get("items") or []:
        if line.get("sku") and line.get("unit_price") is not None:
            prices[str(line["sku"])] = Decimal(str(line["unit_price"]))
    q = await logistics.quote(request.app.state.container, request.state.tenant.id, cep, lines, prices=prices or None)
    return {
        "destination": {"cep": logistics.formatted(q.destination_cep), "state": q.destination_state},
        "options": [o.as_dict() for o in q.options],
    }
