"""Checkout: a saga with compensation, run under an ``Idempotency-Key`` by the API.

1. price the cart from the catalog and check coupons (no locks), then **reserve** stock with atomic
   conditional updates (row locks held only until this short transaction commits)
2. **authorize** the payment (network; no transaction open). Declined / no answer -> release the
   reservation (and record the declined payment) -> 402
3. **create the order** (awaiting_payment), claim coupon uses, record the authorization, emit
   ``order.placed``, and last **commit the stock** — commit. Any failure -> record and void the
   authorization, release the reservation
4. **capture** (network) -> record it, order ``paid``, emit ``order.paid`` — commit. A failed capture
   cancels the order (stock back, authorization voided).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, Decimal
from typing import Any

import structlog

from ecovarejo.core.auth import Principal
from ecovarejo.core.errors import DomainError, InvalidInput
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.inventory import service as inventory
from ecovarejo.logistics import public as logistics
from ecovarejo.payments import service as payments
from ecovarejo.payments.gateway import GatewayError, GatewayResult
from ecovarejo.users import service as users

from . import coupons as coupon_rules
from . import lifecycle
from . import repository as repo
from .fraud import FraudVerdict, RiskDeclined, facts_for
from .models import Order, OrderItem
from .pricing import Quote, ShippingOverride
from .service import OrdersPorts, customer_of, order_detail, quote_for

log = structlog.get_logger("ecovarejo.orders.checkout")

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_order_number(now_yymmdd: str) -> str:
    """``EV-YYMMDD-XXXXXXXX``: readable over the phone, 40 random bits per day (unique per tenant by constraint)."""
    return f"EV-{now_yymmdd}-{''.join(secrets.choice(_ALPHABET) for _ in range(8))}"


@dataclass(frozen=True)
class CheckoutRequest:
    lines: dict[str, int]
    coupons: list[str]
    shipping_address: dict[str, Any]
    billing_address: dict[str, Any] | None
    payment_method: str
    payment_source: str
    eco_packaging: bool = True
    notes: str | None = None
    loyalty_points: int = 0
    #: The id of a shipping option quoted by the logistics context (``POST /api/v1/shipping/quotes``).
    shipping_option: str | None = None


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:48]


async def place_order(
    container: Any, ports: OrdersPorts, tenant_id: uuid.UUID, principal: Principal, req: CheckoutRequest, *, key: str
) -> dict[str, Any]:
    actor = str(principal.user_id)
    if not req.lines:
        raise InvalidInput("the cart is empty", code="cart_empty")
    shipping: ShippingOverride | None = None
    if req.shipping_option:  # before any transaction: the carrier may be asked again
        shipping, req = await shipping_choice(container, ports, tenant_id, req)
    state = str(req.shipping_address.get("state", ""))
    money_key = _key(str(tenant_id), actor, key)
    # 1. price and check (no locks), then reserve: one short transaction whose row locks come last
    async with container.uow(tenant_id, actor=actor) as uow:
        customer = await customer_of(uow, principal)
        await payments.ensure_card_owner(container, uow, req.payment_source, principal.user_id)
        q, _ = await quote_for(
            uow, ports, req.lines, req.coupons, customer=customer, state=state, eco_packaging=req.eco_packaging,
            strict=True, loyalty_points=req.loyalty_points, shipping=shipping,
        )  # fmt: skip
        verdict = await _screen(uow, ports, principal, customer, req, q, state)
        reservation_id = await inventory.reserve(
            uow,
            {ln.sku: ln.quantity for ln in q.lines},
            reference=f"checkout:{money_key}",
            now=ports.now(),
            actor=actor,
        )
        await uow.commit()
    # 2. authorize (outside any transaction); Pix and boleto are paid later, confirmed by notification
    instant = req.payment_method in INSTANT_METHODS and q.total > 0
    gateway = payments.gateway_of(container)
    result: GatewayResult | None = None
    instructions: dict[str, Any] | None = None
    if q.total > 0 and not instant:
        try:
            result = await payments.gateway_authorize(
                gateway, amount=q.total, currency=q.currency, source=req.payment_source, idempotency_key=money_key
            )
        except GatewayError as exc:
            log.warning("payment_unavailable", error=str(exc))
            await _release(container, tenant_id, reservation_id, actor, "payment unavailable")
            raise payments.PaymentUnavailable(
                "the payment provider did not answer; no money was taken, please try again"
            ) from exc
        if not result.ok:
            async with container.uow(tenant_id, actor=actor) as uow:
                await inventory.release_reservation(uow, reservation_id, reason="payment declined", actor=actor)
                await payments.record_authorization(
                    uow, result, gateway=gateway.name, amount=q.total, currency=q.currency,
                    method=req.payment_method, source=req.payment_source, idempotency_key=money_key, actor=actor,
                )  # fmt: skip
                await uow.commit()
            raise payments.PaymentDeclined(result.message or "payment declined", extra={"decline_code": result.code})
    # 3. create the order, commit the stock
    try:
        async with container.uow(tenant_id, actor=actor) as uow:
            order, items = await _create(uow, q, req, customer, reservation_id, actor, ports)
            if verdict is not None and ports.fraud is not None:
                await ports.fraud.record(uow, verdict, order.id, order.order_number)
            await coupon_rules.claim(uow, q.discounts, user_id=principal.user_id, order_id=order.id)
            if q.loyalty_discount > 0:  # spend only the points the discount used (it is capped by the goods)
                points = int((q.loyalty_discount / users.POINT_VALUE).to_integral_value(rounding=ROUND_CEILING))
                await users.redeem_points_for_order(uow, principal.user_id, order.id, min(points, req.loyalty_points))
            payment_id = None
            if result is not None:
                payment = await payments.record_authorization(
                    uow, result, gateway=gateway.name, amount=q.total, currency=q.currency,
                    method=req.payment_method, source=req.payment_source, idempotency_key=money_key,
                    order_id=order.id, actor=actor,
                )  # fmt: skip
                payment_id = payment.id
            order = await lifecycle.transition(
                uow, order, "awaiting_payment", actor=actor, reason="checkout", items=items, payment_id=payment_id
            )
            order_id = order.id
            if instant:
                instructions = await _instant_charge(container, uow, order, q, req, customer, ports)
            # last, so that the hot stock rows stay locked only for this UPDATE and the commit
            await inventory.commit_reservation(uow, reservation_id, actor=actor)
            held = verdict is not None and verdict.decision == "hold" and result is not None
            if instant or held:
                detail = await order_detail(uow, order_id)
            await uow.commit()
    except BaseException:
        if result is not None and result.ok:
            await _void(container, tenant_id, result, q, req, money_key, gateway.name, actor)
        await _release(container, tenant_id, reservation_id, actor, "checkout failed")
        raise
    if held:  # 4''. the authorization waits for staff: approve captures, reject voids (orders/review.py)
        detail["fraud_review"] = "pending"
        return detail
    if instructions is not None:  # 4'. Pix / boleto: the order waits for the payment's confirmation
        detail["payment_instructions"] = instructions
        return detail
    # 4. capture, order paid
    captured_ok = True
    if result is not None and payment_id is not None:
        cap_key = f"{money_key}:capture"
        try:
            cap = await payments.gateway_capture(gateway, result.reference or "", q.total, cap_key)
        except GatewayError:
            cap = GatewayResult(False, result.reference, "failed", q.total, "gateway_unavailable")
        async with container.uow(tenant_id, actor=actor) as uow:
            await repo.lock_order(uow, order_id)  # order before its payments: the order of every such lock
            await payments.record_capture(uow, payment_id, cap, q.total, cap_key, actor=actor)
            order_row = await repo.get_order(uow, order_id)
            assert order_row is not None
            if cap.ok:
                await lifecycle.mark_paid(uow, order_id, actor="system:payments", reason="payment captured")
                detail = await order_detail(uow, order_id)
            else:
                captured_ok = False
                await lifecycle.transition(uow, order_row, "cancelled", actor="system:payments",
                                           reason=f"capture failed: {cap.code}")  # fmt: skip
                await inventory.restock_reservation(uow, reservation_id, reason="capture failed", actor=actor)
                await coupon_rules.unclaim(uow, order_id)
            await uow.commit()
        if not captured_ok:
            await payments.void(container, tenant_id, payment_id, key=f"{money_key}:void")
            raise payments.PaymentDeclined("the payment could not be captured", extra={"decline_code": cap.code})
    else:
        async with container.uow(tenant_id, actor=actor) as uow:
            order_row = await repo.get_order(uow, order_id)
            assert order_row is not None
            await lifecycle.transition(uow, order_row, "paid", actor="system", reason="nothing to pay")
            detail = await order_detail(uow, order_id)
            await uow.commit()
    return detail


async def shipping_choice(
    container: Any, ports: OrdersPorts, tenant_id: uuid.UUID, req: CheckoutRequest
) -> tuple[ShippingOverride, CheckoutRequest]:
    """The chosen option as the logistics context confirms it (re-quoted when it expired), and the request
    with the option recorded beside the shipping address (carrier and service for the shipment)."""
    async with container.uow(tenant_id, read_only=True) as uow:
        sellables = await ports.catalog.get_sellables(uow, list(req.lines))
    prices = {sku: s.unit_price for sku, s in sellables.items()}
    cep = str(req.shipping_address.get("postal_code", ""))
    option = await logistics.confirm_option(
        container, tenant_id, str(req.shipping_option), cep, req.lines, prices=prices
    )
    chosen = {
        "carrier": option.carrier,
        "service": option.service,
        "service_name": option.service_name,
        "price": str(option.price),
        "days_min": option.days_min,
        "days_max": option.days_max,
        "co2e_kg": str(option.co2e_kg),
    }
    address = {**req.shipping_address, "shipping_option": chosen}
    return ShippingOverride(option.price, option.co2e_kg), replace(req, shipping_address=address)


INSTANT_METHODS = frozenset({"pix", "boleto"})


async def _screen(
    uow: UnitOfWork,
    ports: OrdersPorts,
    principal: Principal,
    customer: Any,
    req: CheckoutRequest,
    q: Quote,
    state: str,
) -> FraudVerdict | None:
    """The fraud screen's verdict (none plugged in, or nothing to pay: approve); a decline is recorded and
    refused before any stock is reserved."""
    if ports.fraud is None or q.total <= 0:
        return None
    verdict = await ports.fraud.assess(uow, facts_for(
        user_id=principal.user_id, email=customer.email, total=q.total, quantities=[ln.quantity for ln in q.lines],
        shipping_state=state, billing_address=req.billing_address, payment_method=req.payment_method,
        payment_source=req.payment_source, at=ports.now(),
    ))  # fmt: skip
    if verdict.decision == "decline":
        await ports.fraud.record(uow, verdict, None, None)
        await uow.commit()
        raise RiskDeclined()
    return verdict


async def _instant_charge(
    container: Any, uow: UnitOfWork, order: Order, q: Quote, req: CheckoutRequest, customer: Any, ports: OrdersPorts
) -> dict[str, Any]:
    """The Pix/boleto charge of a new order and its ``payment.pending`` event (same transaction)."""
    instructions = await payments.instant_charge_for_order(
        uow,
        method=req.payment_method,
        amount=q.total,
        order_id=order.id,
        merchant_name="EcoVarejo",
        location_base=container.settings.public_url.rstrip("/") + "/api/v1/payments/pix/cob",
        now=ports.now(),
    )
    data = {
        "order_id": str(order.id),
        "order_number": order.order_number,
        "user_id": str(order.user_id),
        "email": customer.email,
        "first_name": customer.first_name,
        "locale": customer.locale,
        "method": req.payment_method,
        "amount": instructions["amount"],
        "expires_at": instructions["expires_at"],
    }
    if req.payment_method == "pix":
        data["pix_copy_paste"] = instructions["pix_copy_paste"]
    else:
        data["boleto_line"] = instructions["boleto_line"]
    uow.emit("payment-events", "payment.pending", data, subject=str(order.id))
    return instructions


async def _void(
    container: Any,
    tenant_id: uuid.UUID,
    result: GatewayResult,
    q: Quote,
    req: CheckoutRequest,
    money_key: str,
    gateway_name: str,
    actor: str,
) -> None:
    """Compensation after authorization: record the hold (for the audit trail) and void it."""
    try:
        async with container.uow(tenant_id, actor=actor) as uow:
            payment = await payments.record_authorization(
                uow, result, gateway=gateway_name, amount=q.total, currency=q.currency, method=req.payment_method,
                source=req.payment_source, idempotency_key=money_key, actor=actor,
            )  # fmt: skip
            payment_id = payment.id
            await uow.commit()
        await payments.void(container, tenant_id, payment_id, key=f"{money_key}:void")
    except Exception:  # never mask the failure being compensated; the provider expires holds anyway
        log.exception("void_failed", reference=result.reference)


async def _release(container: Any, tenant_id: uuid.UUID, reservation_id: uuid.UUID, actor: str, why: str) -> None:
    try:
        async with container.uow(tenant_id, actor=actor) as uow:
            await inventory.release_reservation(uow, reservation_id, reason=why, actor=actor)
            await uow.commit()
    except Exception:  # the expiry job releases it later anyway
        log.exception("release_failed", reservation_id=str(reservation_id))


async def _create(
    uow: UnitOfWork,
    q: Quote,
    req: CheckoutRequest,
    customer: Any,
    reservation_id: uuid.UUID,
    actor: str,
    ports: OrdersPorts,
) -> tuple[Order, list[OrderItem]]:
    now = ports.now()
    for _attempt in range(5):
        number = new_order_number(now.strftime("%y%m%d"))
        if await repo.order_by_number(uow, number) is None:
            break
    else:  # pragma: no cover - 40 random bits per day
        raise DomainError("could not allocate an order number", code="order_number_exhausted", status=409)
    order = Order(
        order_number=number,
        user_id=customer.user_id,
        status="pending",
        currency=q.currency,
        subtotal=q.subtotal,
        discount_amount=q.discount_amount,
        loyalty_discount=q.loyalty_discount,
        tax_amount=q.tax_amount,
        tax_included=q.tax_included,
        shipping_cost=q.shipping_cost,
        total_amount=q.total,
        refunded_amount=Decimal("0"),
        shipping_address=req.shipping_address,
        billing_address=req.billing_address,
        shipping_state=q.state or "",
        carbon_footprint=q.carbon_footprint_kg,
        sustainability_score=q.sustainability_score,
        eco_packaging=q.eco_packaging,
        email=customer.email,
        first_name=customer.first_name,
        locale=customer.locale,
        coupon_codes=[d.code for d in q.discounts],
        reservation_id=reservation_id,
        notes=req.notes,
    )
    repo.add(uow, order)
    await uow.flush()
    lifecycle.record(uow, order, None, "pending", actor, "checkout")
    items: list[OrderItem] = []
    for ln in q.lines:
        items.append(
            OrderItem(
                order_id=order.id,
                product_id=ln.product_id,
                variant_id=ln.variant_id,
                sku=ln.sku,
                name=ln.name[:300],
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                line_total=ln.line_total,
                carbon_footprint_kg=ln.carbon_footprint_kg,
                sustainability_score=ln.sustainability_score,
                certified=ln.certified,
            ),
        )
    for item in items:
        repo.add(uow, item)
    await uow.flush()
    return order, items
