"""The orders context's public service: carts, quotes, orders and their lifecycle.

Other contexts (web, graphql) call these; the HTTP API is a thin layer over them. Checkout itself
(the saga) is :func:`ecovarejo.orders.checkout.place_order`, re-exported here.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from ecovarejo.b2b import public as b2b
from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import Conflict, InvalidInput, NotFound
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.inventory import public as inventory
from ecovarejo.payments import public as payments
from ecovarejo.users import public as users

from . import coupons as coupon_rules
from . import lifecycle
from . import repository as repo
from .cart import Cart, merge
from .models import Order, OrderItem
from .pricing import PricedLine

# Ports, customers and pricing live in quoting.py; re-exported so ``service`` stays the one entry point.
from .quoting import Customer as Customer
from .quoting import OrdersPorts as OrdersPorts
from .quoting import customer_of as customer_of
from .quoting import ports_of as ports_of
from .quoting import price_lines as price_lines
from .quoting import quote_for as quote_for
from .terms import CONFIRMED_ON_TERMS, invoice_json, is_on_terms, refund_on_terms

# --------------------------------------------------------------------------- carts


def _line_json(ln: PricedLine) -> dict[str, Any]:
    return {
        "sku": ln.sku,
        "product_id": str(ln.product_id) if ln.product_id else None,
        "variant_id": str(ln.variant_id) if ln.variant_id else None,
        "name": ln.name,
        "slug": ln.slug,
        "image_url": ln.image_url,
        "quantity": ln.quantity,
        "unit_price": str(ln.unit_price),
        "line_total": str(ln.line_total),
        "certified": ln.certified,
        "carbon_footprint_kg": str(ln.carbon_footprint_kg),
        "price_rule": ln.price_rule,
    }


async def cart_view(
    uow: UnitOfWork, ports: OrdersPorts, cart: Cart, *, customer: Customer | None, state: str | None
) -> dict[str, Any]:
    q, problems = await quote_for(uow, ports, cart.lines, cart.coupons, customer=customer, state=state, strict=False)
    return {
        "items": [_line_json(ln) for ln in q.lines],
        "coupons": cart.coupons,
        "problems": problems,
        "summary": q.as_dict(),
    }


async def add_to_cart(
    uow: UnitOfWork, ports: OrdersPorts, tenant_id: uuid.UUID, owner: str, sku: str, quantity: int
) -> Cart:
    cart = await ports.carts.get(tenant_id, owner)
    return await set_cart_quantity(uow, ports, tenant_id, owner, sku, cart.lines.get(sku, 0) + quantity, cart=cart)


async def set_cart_quantity(
    uow: UnitOfWork,
    ports: OrdersPorts,
    tenant_id: uuid.UUID,
    owner: str,
    sku: str,
    quantity: int,
    *,
    cart: Cart | None = None,
) -> Cart:
    """Set a line's quantity (0 removes it), validated against the catalog and stock."""
    cart = cart or await ports.carts.get(tenant_id, owner)
    sku = sku.strip()
    if quantity <= 0:
        cart.lines.pop(sku, None)
    else:
        if sku not in cart.lines and len(cart.lines) >= ports.pricing.max_lines:
            raise InvalidInput(f"at most {ports.pricing.max_lines} lines per cart", code="too_many_lines")
        await price_lines(uow, ports, {sku: quantity}, strict=True)
        cart.lines[sku] = quantity
    await ports.carts.save(tenant_id, cart)
    return cart


async def set_cart_coupons(
    uow: UnitOfWork, ports: OrdersPorts, tenant_id: uuid.UUID, owner: str, codes: list[str], customer: Customer | None
) -> Cart:
    cart = await ports.carts.get(tenant_id, owner)
    codes = list(dict.fromkeys(coupon_rules.normalise(c) for c in codes if c.strip()))
    if codes:  # refuse a coupon that does not apply now, with its reason
        priced, _ = await price_lines(uow, ports, cart.lines, strict=False)

        async def is_b2b() -> bool:
            return bool(customer and customer.b2b)

        await coupon_rules.evaluate(
            uow, codes, priced, user_id=customer.user_id if customer else None, now=ports.now(), is_b2b=is_b2b
        )
    cart.coupons = codes
    await ports.carts.save(tenant_id, cart)
    return cart


async def merge_guest_cart(ports: OrdersPorts, tenant_id: uuid.UUID, user_id: uuid.UUID, guest_token: str) -> Cart:
    """Fold a guest's cart into the signed-in user's (at login, or on the first signed-in cart request)."""
    user_owner = f"u:{user_id}"
    guest = await ports.carts.get(tenant_id, f"g:{guest_token}")
    cart = await ports.carts.get(tenant_id, user_owner)
    if guest.lines or guest.coupons:
        merge(cart, guest, ports.pricing.max_line_quantity)
        await ports.carts.save(tenant_id, cart)
        await ports.carts.delete(tenant_id, f"g:{guest_token}")
    return cart


# --------------------------------------------------------------------------- orders: reads


def _order_json(order: Order, items: list[OrderItem]) -> dict[str, Any]:
    return {
        "id": str(order.id),
        "order_number": order.order_number,
        "po_number": order.po_number,
        "user_id": str(order.user_id),
        "status": order.status,
        "currency": order.currency,
        "subtotal": str(order.subtotal),
        "discount_amount": str(order.discount_amount),
        "loyalty_discount": str(order.loyalty_discount),
        "shipping_cost": str(order.shipping_cost),
        "tax_amount": str(order.tax_amount),
        "tax_included": order.tax_included,
        "total_amount": str(order.total_amount),
        "refunded_amount": str(order.refunded_amount),
        "shipping_address": order.shipping_address,
        "billing_address": order.billing_address,
        "shipping_option": order.shipping_option,
        "carbon_footprint": str(order.carbon_footprint),
        "sustainability_score": order.sustainability_score,
        "eco_packaging": order.eco_packaging,
        "coupon_codes": order.coupon_codes,
        "carrier": order.carrier,
        "tracking_code": order.tracking_code,
        "tracking_url": order.tracking_url,
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "items": [
            {
                "product_id": str(i.product_id) if i.product_id else None,
                "variant_id": str(i.variant_id) if i.variant_id else None,
                "sku": i.sku,
                "name": i.name,
                "quantity": i.quantity,
                "unit_price": str(i.unit_price),
                "line_total": str(i.line_total),
                "carbon_footprint_kg": str(i.carbon_footprint_kg),
                "certified": i.certified,
            }
            for i in items
            if i.order_id == order.id
        ],
    }


async def order_detail(
    uow: UnitOfWork,
    order_id: uuid.UUID,
    *,
    principal: Principal | None = None,
    order: Order | None = None,
    items: list[OrderItem] | None = None,
) -> dict[str, Any]:
    """One order with items, history and payment summary; a customer sees only their own (404 otherwise).
    ``order`` and ``items``, current in this unit of work (the checkout just wrote or locked them), spare
    their re-read."""
    if order is None:
        order = await repo.get_order(uow, order_id)
    if order is None or (principal is not None and order.user_id != principal.user_id):
        raise NotFound("order not found", code="order_not_found")
    out = _order_json(order, items if items is not None else await repo.items(uow, [order.id]))
    out["history"] = [
        {
            "from_status": h.from_status,
            "to_status": h.to_status,
            "actor": h.actor,
            "reason": h.reason,
            "at": h.created_at.isoformat(),
        }
        for h in await repo.history(uow, order.id)
    ]
    if any(h["reason"] == CONFIRMED_ON_TERMS for h in out["history"]):  # its invoice, from the b2b context
        invoice = await b2b.invoice_for_order(uow, order.id, utcnow())
        if invoice is not None:
            out["invoice"] = invoice_json(invoice)
    rows = await payments.payments_for_order(uow, order.id)
    pending = [p.id for p in rows if p.status == "pending" and p.method in ("pix", "boleto", "card")]
    instructions = await payments.payment_instructions(uow, pending)
    out["payments"] = [
        {
            "id": str(p.id),
            "gateway": p.gateway,
            "method": p.method,
            "card_last4": p.card_last4,
            "status": p.status,
            "amount": str(p.amount),
            "authorized_amount": str(p.authorized_amount),
            "captured_amount": str(p.captured_amount),
            "refunded_amount": str(p.refunded_amount),
            **instructions.get(p.id, {}),
        }
        for p in rows
    ]
    return out


async def list_orders(
    uow: UnitOfWork,
    *,
    limit: int = 20,
    cursor: str | None = None,
    user_id: uuid.UUID | None = None,
    status: str | None = None,
    number: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> dict[str, Any]:
    before = None
    if cursor:
        try:
            before = uuid.UUID(cursor)
        except ValueError as exc:
            raise InvalidInput("bad cursor", code="invalid_cursor") from exc
    if status and status not in lifecycle.STATUSES:
        raise InvalidInput(f"unknown status {status}", code="invalid_status")
    orders = await repo.list_orders(
        uow,
        limit=limit,
        before=before,
        user_id=user_id,
        status=status,
        number=number,
        created_from=created_from,
        created_to=created_to,
    )
    by_order: dict[uuid.UUID, list[OrderItem]] = {}
    for item in await repo.items(uow, [o.id for o in orders]):
        by_order.setdefault(item.order_id, []).append(item)  # grouped once, not scanned per order
    return {
        "items": [_order_json(o, by_order.get(o.id, [])) for o in orders],
        "next_cursor": str(orders[-1].id) if len(orders) == limit else None,
    }


# --------------------------------------------------------------------------- orders: changes


async def _load(uow: UnitOfWork, order_id: uuid.UUID, principal: Principal | None = None) -> Order:
    order = await repo.get_order(uow, order_id)
    if order is None or (principal is not None and order.user_id != principal.user_id):
        raise NotFound("order not found", code="order_not_found")
    return order


async def advance(
    uow: UnitOfWork,
    order_id: uuid.UUID,
    to_status: str,
    *,
    actor: str,
    reason: str | None = None,
    carrier: str | None = None,
    tracking_code: str | None = None,
    tracking_url: str | None = None,
) -> Order:
    """Admin: move an order along fulfilment (fulfilling, shipped, delivered, returned, ...)."""
    if to_status not in lifecycle.STATUSES:
        raise InvalidInput(f"unknown status {to_status}", code="invalid_status")
    if to_status in ("cancelled", "refunded", "partially_refunded", "paid", "awaiting_payment"):
        raise InvalidInput(f"use the dedicated action to make an order {to_status}", code="use_dedicated_action")
    order = await _load(uow, order_id)
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    if to_status == "shipped":
        if not carrier or not tracking_code:
            raise InvalidInput("shipping needs a carrier and a tracking code", code="tracking_required")
        values = {"carrier": carrier, "tracking_code": tracking_code, "tracking_url": tracking_url}
        extra = values
    order = await lifecycle.transition(uow, order, to_status, actor=actor, reason=reason, extra_event=extra, **values)
    if to_status == "returned" and order.reservation_id:
        await inventory.restock_reservation(uow, order.reservation_id, reason="order returned", actor=actor)
    return order


async def request_return(uow: UnitOfWork, order_id: uuid.UUID, principal: Principal, reason: str) -> Order:
    order = await _load(uow, order_id, principal)
    if order.status not in ("delivered", "partially_refunded"):
        raise Conflict("only delivered orders can be returned", code="illegal_transition")
    return await lifecycle.transition(uow, order, "return_requested", actor=str(principal.user_id), reason=reason)


async def cancel(
    container: Container,
    tenant_id: uuid.UUID,
    order_id: uuid.UUID,
    *,
    principal: Principal,
    reason: str,
    as_admin: bool,
) -> dict[str, Any]:
    """Cancel (customer: before fulfilment; admin: until shipped). Stock goes back, coupon uses are
    returned, and the payment is voided or refunded in full after the cancellation has committed."""
    actor = str(principal.user_id)
    async with container.uow(tenant_id, actor=actor) as uow:
        order = await _load(uow, order_id, None if as_admin else principal)
        allowed = lifecycle.ADMIN_CANCELLABLE if as_admin else lifecycle.CUSTOMER_CANCELLABLE
        if order.status not in allowed:
            raise Conflict(f"an order that is {order.status} can no longer be cancelled", code="not_cancellable")
        if order.payment_id is None and order.refunded_amount < order.total_amount:  # on terms: the invoice goes
            await refund_on_terms(uow, order, order.total_amount - order.refunded_amount, now=container.now(),
                                  actor=actor, reason=reason, moves_status=False)  # fmt: skip
        order = await lifecycle.transition(uow, order, "cancelled", actor=actor, reason=reason)
        if order.reservation_id:
            await inventory.restock_reservation(uow, order.reservation_id, reason="order cancelled", actor=actor)
        await coupon_rules.unclaim(uow, order.id)
        await users.refund_points_for_order(uow, order.user_id, order.id)
        payment_id = order.payment_id
        await uow.commit()
    if payment_id is not None:
        await _money_back(container, tenant_id, order_id, payment_id, actor=actor, reason=reason)
    async with container.uow(tenant_id, read_only=True) as uow:
        return await order_detail(uow, order_id)


async def _money_back(
    container: Container, tenant_id: uuid.UUID, order_id: uuid.UUID, payment_id: uuid.UUID, *, actor: str, reason: str
) -> None:
    async with container.uow(tenant_id, read_only=True) as uow:
        p = await payments.get_payment(uow, payment_id)
        status, captured = p.status, p.captured_amount - p.refunded_amount
    if status == "authorized":
        await payments.void(container, tenant_id, payment_id, key=f"order:{order_id}:cancel:void")
    elif captured > 0:
        await payments.refund(
            container, tenant_id, payment_id, captured, key=f"order:{order_id}:cancel:refund", actor=actor
        )
        await _sync_refunds(container, tenant_id, order_id, payment_id, actor=actor, reason=reason)


async def _sync_refunds(
    container: Container, tenant_id: uuid.UUID, order_id: uuid.UUID, payment_id: uuid.UUID, *, actor: str, reason: str
) -> None:
    """Mirror the payment's refunded total on the order; move the status and emit ``order.refunded`` for
    the difference only, so a repeated call changes nothing."""
    async with container.uow(tenant_id, actor=actor) as uow:
        p = await payments.get_payment(uow, payment_id)
        order = await _load(uow, order_id)
        delta = p.refunded_amount - order.refunded_amount
        if delta <= 0 or not await repo.set_refunded(uow, order_id, order.refunded_amount, p.refunded_amount):
            return
        order = await _load(uow, order_id)
        if order.status != "cancelled":
            if order.refunded_amount >= order.total_amount:
                before = order.status
                order = await lifecycle.transition(uow, order, "refunded", actor=actor, reason=reason)
                if before in ("paid", "fulfilling") and order.reservation_id:
                    await inventory.restock_reservation(uow, order.reservation_id, reason="refunded", actor=actor)
            elif lifecycle.can(order.status, "partially_refunded"):
                order = await lifecycle.transition(uow, order, "partially_refunded", actor=actor, reason=reason)
            else:
                lifecycle.record(uow, order, order.status, order.status, actor, f"partial refund {delta}: {reason}")
        lifecycle.emit_refunded(uow, order, await repo.items(uow, [order.id]), delta)
        await uow.commit()


async def refund(
    container: Container,
    tenant_id: uuid.UUID,
    order_id: uuid.UUID,
    amount: Decimal | None,
    *,
    key: str,
    actor: str,
    reason: str,
) -> dict[str, Any]:
    """Admin: refund all or part of a paid order through its payment, exactly once per key."""
    async with container.uow(tenant_id, read_only=True) as uow:
        order = await _load(uow, order_id)
        status, payment_id = order.status, order.payment_id
        remaining = order.total_amount - order.refunded_amount
    if status in ("pending", "awaiting_payment", "cancelled", "refunded"):
        raise Conflict(f"an order that is {status} cannot be refunded", code="not_refundable")
    if payment_id is None:  # an order on invoiced terms: the refund comes off its invoice
        return await _refund_on_terms(container, tenant_id, order_id, amount, actor=actor, reason=reason)
    amount = quantize(remaining if amount is None else amount)
    if amount <= 0 or amount > remaining:
        raise InvalidInput(f"refund must be between 0.01 and {remaining}", code="invalid_amount")
    if amount == remaining and not lifecycle.can(status, "refunded"):
        raise Conflict(f"an order that is {status} cannot be refunded", code="not_refundable")
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    assert payment_id is not None
    await payments.refund(
        container, tenant_id, payment_id, amount, key=f"order-refund:{order_id}:{digest}", actor=actor
    )
    await _sync_refunds(container, tenant_id, order_id, payment_id, actor=actor, reason=reason)
    async with container.uow(tenant_id, read_only=True) as uow:
        return await order_detail(uow, order_id)


async def _refund_on_terms(
    container: Container, tenant_id: uuid.UUID, order_id: uuid.UUID, amount: Decimal | None, *, actor: str,
    reason: str,
) -> dict[str, Any]:  # fmt: skip
    async with container.uow(tenant_id, actor=actor) as uow:
        order = await _load(uow, order_id)
        if not await is_on_terms(uow, order_id, container.now()):
            raise Conflict(f"an order that is {order.status} cannot be refunded", code="not_refundable")
        remaining = order.total_amount - order.refunded_amount
        amount = quantize(remaining if amount is None else amount)
        if amount <= 0 or amount > remaining:
            raise InvalidInput(f"refund must be between 0.01 and {remaining}", code="invalid_amount")
        await refund_on_terms(uow, order, amount, now=container.now(), actor=actor, reason=reason)
        await uow.commit()
    async with container.uow(tenant_id, read_only=True) as uow:
        return await order_detail(uow, order_id)
