"""Shipping on the storefront pages: CEP → address and priced options (carrier, price, days, kg CO2e)
through the logistics context's HTTP API, for the cart estimate and the checkout's choice."""

from __future__ import annotations

from typing import Any

from fastapi import Request

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


async def options(request: Request, cep: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"cep", "options", "error"}`` for the cart's lines; the error is a pt-BR/English message key
    or the API's detail."""
    out: dict[str, Any] = {"cep": cep, "options": [], "error": None}
    if not cep or not lines or not available(request):
        return out
    items = [{"sku": str(i["sku"]), "quantity": int(i["quantity"])} for i in lines if i.get("sku")]
    try:
        quote: dict[str, Any] = await api(request, "POST", QUOTES, json={"cep": cep, "items": items})
    except ApiError as exc:
        if exc.status >= 500:
            raise
        out["error"] = {"invalid_cep": "cep_invalid", "cep_not_found": "cep_unknown"}.get(exc.code, "")
        out["detail"] = exc.detail
        return out
    out["options"] = quote.get("options") or []
    out["destination"] = quote.get("destination") or {}
    return out
