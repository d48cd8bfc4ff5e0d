"""The return from the card's 3-D Secure page (``/checkout/autenticacao``), and the sandbox issuer's challenge
page (``/sandbox-pay/v1/challenge/<reference>``, "Autorizar"/"Recusar"): see docs/web.md, "Checkout", and
docs/payments-sandbox.md, "3-D Secure"."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.core.errors import InvalidInput, NotFound
from ecovarejo.orders import public as orders
from ecovarejo.payments import public as payments

from .pages import PageRoute, form_with_csrf, redirect, require_user
from .templating import render

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
        request.app.state.container, request.state.tenant.id, principal, reference=reference[:100],
        cart_owner=orders.owner_key(principal.user_id, None),
    )  # fmt: skip
    if detail.get("next_action_url"):
        return redirect(str(detail["next_action_url"]))
    if detail.get("payment_failed"):
        return redirect(f"/pedido/{detail['id']}?err=card_authentication_failed")
    if detail.get("status") not in ("awaiting_payment", "cancelled") or detail.get("fraud_review"):  # cart emptied
        return redirect(f"/pedido/{detail['id']}?ok=order_placed")
    return redirect(f"/pedido/{detail['id']}?err=card_authentication_pending")


def _reference(value: str) -> str:
    return "".join(ch for ch in value if ch.isalnum() or ch == "_")[:100]


@router.get("/sandbox-pay/v1/challenge/{reference}")
async def sandbox_challenge(request: Request, reference: str) -> Response:
    """The sandbox issuer's 3-D Secure page (only while the sandbox is the payment gateway): the amount,
    the card's last digits, "Autorizar" and "Recusar"."""
    challenge = payments.sandbox_challenge(request.app.state.container, _reference(reference))
    if challenge is None:
        raise NotFound("no such card authentication", code="authentication_not_found")
    return render(
        request, "store/sandbox_challenge.html", challenge=challenge,
        back_url=f"{challenge.return_url}?payment_intent={challenge.reference}",
    )  # fmt: skip


@router.post("/sandbox-pay/v1/challenge/{reference}")
async def sandbox_challenge_answer(request: Request, reference: str) -> Response:
    """The shopper's answer, then back to the shop's return page (which asks the gateway how it ended)."""
    form = await form_with_csrf(request)
    decision = form.get("decision")
    if decision not in ("approve", "refuse"):
        raise InvalidInput("answer approve or refuse", code="invalid_decision")
    challenge = payments.answer_sandbox_challenge(
        request.app.state.container, _reference(reference), approve=decision == "approve"
    )
    if challenge is None:
        raise NotFound("no such card authentication", code="authentication_not_found")
    return redirect(f"{challenge.return_url}?payment_intent={challenge.reference}")
