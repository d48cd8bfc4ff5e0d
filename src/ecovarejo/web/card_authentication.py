"""The return from the card's 3-D Secure page (``/checkout/autenticacao``): see docs/web.md, "Checkout"."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.core.errors import NotFound
from ecovarejo.orders import public as orders

from .pages import PageRoute, redirect, require_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)  # a page: errors render as HTML


@router.get("/checkout/autenticacao")
async def authentication_return(request: Request) -> Response:
    """Where the provider sends the shopper back after the 3-D Secure challenge (``payment_intent=pi_…``
    names the intent; its outcome is read from the provider, never from the query): paid -> the order
    page (cart emptied); refused -> the order page, cancelled, with "try another card" (the cart is
    still there); still open -> back to the challenge."""
    principal = await require_user(request)
    reference = "".join(ch for ch in request.query_params.get("payment_intent", "") if ch.isalnum() or ch == "_")
    if not reference:
        raise NotFound("no card authentication to complete", code="authentication_not_found")
    detail = await orders.complete_authentication(
        request.app.state.container, request.state.tenant.id, principal, reference=reference[:100]
    )
    if detail.get("next_action_url"):
        return redirect(str(detail["next_action_url"]))
    if detail.get("payment_failed"):
        return redirect(f"/pedido/{detail['id']}?err=card_authentication_failed")
    if detail.get("status") not in ("awaiting_payment", "cancelled"):  # paid (or held for review): done
        container = request.app.state.container
        key = orders.owner_key(principal.user_id, None)
        if key:
            await orders.ports_of(container).carts.delete(request.state.tenant.id, key)
        return redirect(f"/pedido/{detail['id']}?ok=order_placed")
    return redirect(f"/pedido/{detail['id']}?err=card_authentication_pending")
