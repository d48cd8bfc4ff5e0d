"""After a card's 3-D Secure challenge: the checkout's last step for an order that waited for it
(docs/payments.md, "3-D Secure")."""

from __future__ import annotations

import uuid
from typing import Any

from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.errors import NotFound
from ecovarejo.inventory import public as inventory
from ecovarejo.payments import public as payments
from ecovarejo.payments.public import GatewayError
from ecovarejo.users import public as users

from . import coupons as coupon_rules
from . import lifecycle
from . import repository as repo
from .checkout import _capture_and_pay, _held_for_review
from .models import Order
from .service import order_detail, ports_of


async def complete_authentication(
    container: Container,
    tenant_id: uuid.UUID,
    principal: Principal | None,
    *,
    order_id: uuid.UUID | None = None,
    reference: str | None = None,
    cart_owner: str | None = None,
) -> dict[str, Any]:
    """After the 3-D Secure challenge (the return page, the API; safe to repeat): the intent's status read
    from the provider — never from the return URL — and written once; authorized -> captured under the
    checkout's capture key and the order paid (:func:`_capture_and_pay`); refused -> the order cancelled,
    its stock and coupons back (the shopper tries another card in a new checkout; this order is never
    charged); authorized but held for fraud review -> left for staff (``fraud_review: "pending"``).
    ``reference``: the provider's id the return URL names; ``principal``: the order must be theirs
    (``None``: a system caller); ``cart_owner``: the buyer's cart, emptied once the order is paid
    (or held for review) if it still holds what the order bought — as a checkout that needed no challenge
    empties it (the page and the API alike)."""
    detail = await _complete(container, tenant_id, principal, order_id=order_id, reference=reference)
    placed = detail.get("status") not in ("awaiting_payment", "cancelled") or detail.get("fraud_review")
    if cart_owner and placed:
        carts = ports_of(container).carts
        bought: dict[str, int] = {}
        for item in detail.get("items") or []:
            bought[str(item["sku"])] = bought.get(str(item["sku"]), 0) + int(item["quantity"])
        cart = await carts.get(tenant_id, cart_owner)
        if cart.lines and dict(cart.lines) == bought:  # a cart changed since (or an order of named items) stays
            await carts.delete(tenant_id, cart_owner)
    return detail


async def _complete(
    container: Container,
    tenant_id: uuid.UUID,
    principal: Principal | None,
    *,
    order_id: uuid.UUID | None,
    reference: str | None,
) -> dict[str, Any]:
    async with container.uow(tenant_id, read_only=True) as uow:
        auth: payments.Authentication | None = None
        order: Order | None = None
        if order_id is not None:
            order = await repo.get_order(uow, order_id)
            if order is not None and order.payment_id is not None:
                auth = await payments.find_authentication(uow, payment_id=order.payment_id)
        elif reference:
            auth = await payments.find_authentication(uow, reference=reference)
            if auth is not None and auth.order_id is not None:
                order = await repo.get_order(uow, auth.order_id)
        if order is None or auth is None or (principal is not None and order.user_id != principal.user_id):
            raise NotFound("no order of yours waits for this card's authentication", code="authentication_not_found")
        held = await _held_for_review(uow, order.id)
        oid, total, reservation_id = order.id, order.total_amount, order.reservation_id
    actor = str(principal.user_id) if principal is not None else "system:payments"
    status = auth.status
    if status == "pending":
        try:
            answer = await payments.gateway_of(container).status(auth.reference)
        except GatewayError as exc:
            raise payments.PaymentUnavailable("the payment provider did not answer; please try again") from exc
        async with container.uow(tenant_id, actor=actor) as uow:
            order_row = await repo.lock_order(uow, oid)  # the order before its payments: the order of every lock
            assert order_row is not None
            status = await payments.settle_authentication(uow, auth.payment_id, answer)
            if status == "failed" and order_row.status == "awaiting_payment":
                await lifecycle.transition(uow, order_row, "cancelled", actor="system:payments",
                                           reason="card authentication failed")  # fmt: skip
                if reservation_id is not None:
                    await inventory.restock_reservation(
                        uow, reservation_id, reason="card authentication failed", actor=actor
                    )
                await coupon_rules.unclaim(uow, oid)
                await users.refund_points_for_order(uow, order_row.user_id, oid)
            await uow.commit()
    async with container.uow(tenant_id, read_only=True) as uow:
        order_status = (await repo.get_order(uow, oid)).status  # type: ignore[union-attr]
    if status == "authorized" and not held and order_status == "awaiting_payment":
        return await _capture_and_pay(
            container, tenant_id, oid, auth.payment_id, auth.reference, total, reservation_id, auth.money_key, actor
        )
    async with container.uow(tenant_id, read_only=True) as uow:
        detail = await order_detail(uow, oid)
    if status == "pending":
        detail["next_action_url"] = auth.next_action_url
    elif status == "authorized" and held and detail.get("status") == "awaiting_payment":
        detail["fraud_review"] = "pending"  # authenticated; staff capture it on approval (orders/review.py)
    elif status == "failed":
        detail["payment_failed"] = payments.AUTHENTICATION_FAILED
    return detail
