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

Convergence after a crash (docs/events.md, "Checkout after a crash"): a retry with the same
Idempotency-Key **resumes** — it finds the payment authorized under the key and its order, and only
captures what is missing (or answers the order as it is); a crashed attempt's held reservation is
released first. Without a retry, :func:`recover_checkouts` (a job) applies the same rule to every
authorization left uncaptured for :data:`RECOVERY_GRACE`: captured when its order exists and awaits
payment (not held for fraud review), voided when no order owns it or its order was cancelled.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError

from ecovarejo.b2b import public as b2b
from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.db import new_id, utcnow
from ecovarejo.core.errors import Conflict, DomainError, InvalidInput
from ecovarejo.core.faults import ProcessCrash, fault
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.inventory import public as inventory
from ecovarejo.logistics import public as logistics
from ecovarejo.payments import public as payments
from ecovarejo.payments.public import GatewayError, GatewayResult
from ecovarejo.users import public as users

from . import coupons as coupon_rules
from . import lifecycle
from . import repository as repo
from .compensation import _release, _void
from .fraud import FraudVerdict, RiskDeclined, facts_for
from .models import Order, OrderItem
from .pricing import Quote, ShippingOverride
from .service import OrdersPorts, customer_of, order_detail, quote_for
from .terms import CONFIRMED_ON_TERMS, ON_TERMS, invoice_json

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
    po_number: str | None = None
    loyalty_points: int = 0
    #: The id of a shipping option quoted by the logistics context (``POST /api/v1/shipping/quotes``).
    shipping_option: str | None = None
    #: Interest-free card instalments (checked against the tenant's plan).
    installments: int = 1
    #: The option as logistics confirmed it (set by :func:`shipping_choice`; stored in its own column).
    shipping_chosen: dict[str, Any] | None = None
    #: The buyer's address as the server saw it: only hashed by the fraud screen (IP velocity), never stored.
    client_ip: str | None = None
    #: An accepted B2B quote bought at its prices (its lines replace ``lines``; the b2b context says which).
    quote_id: uuid.UUID | None = None


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:48]


async def place_order(
    container: Container,
    ports: OrdersPorts,
    tenant_id: uuid.UUID,
    principal: Principal,
    req: CheckoutRequest,
    *,
    key: str,
) -> dict[str, Any]:
    actor = str(principal.user_id)
    quoted: b2b.QuotedOrder | None = None
    if req.quote_id is not None:  # the accepted quote's lines, before the carrier is asked about them
        async with container.uow(tenant_id, read_only=True) as uow:
            quoted = await b2b.quote_for_checkout(uow, req.quote_id, principal.user_id, principal.company_id)
        req = replace(req, lines=dict(quoted.lines), coupons=[])
    if not req.lines:
        raise InvalidInput("the cart is empty", code="cart_empty")
    shipping: ShippingOverride | None = None
    if req.shipping_option:  # before any transaction: the carrier may be asked again
        shipping, req = await shipping_choice(container, ports, tenant_id, req, principal.company_id, quoted)
    state = str(req.shipping_address.get("state", ""))
    money_key = _key(str(tenant_id), actor, key)
    # 0. + 1. one short transaction: a retry of an attempt that died half-way finds its payment and resumes
    # instead of starting over; else price and check (no locks), then reserve, whose row locks come last
    policy = await payments.installment_policy(container, tenant_id) if req.installments > 1 else None
    async with container.uow(tenant_id, actor=actor) as uow:
        prior = await _prior_attempt(uow, money_key)
        if prior is None:
            # an attempt that died before recording its payment may have left its reservation held
            await inventory.release_held_by_reference(uow, f"checkout:{money_key}", reason="checkout retried",
                                                      actor=actor)  # fmt: skip
            customer = await customer_of(uow, principal)
            await payments.ensure_card_owner(container, uow, req.payment_source, principal.user_id)
            if quoted is not None:  # the units held since acceptance become this checkout's hold below
                quoted = await b2b.quote_for_checkout(uow, quoted.quote_id, customer.user_id, customer.company_id)
                await inventory.release_held_by_reference(uow, quoted.reference, reason="quote checkout", actor=actor)
            q, _ = await quote_for(
                uow, ports, req.lines, req.coupons, customer=customer, state=state,
                eco_packaging=req.eco_packaging, strict=True, loyalty_points=req.loyalty_points, shipping=shipping,
                quoted=quoted,
            )  # fmt: skip
            if policy is not None and req.installments not in {
                o.count for o in payments.checkout_plan(q.total, policy)
            }:
                raise InvalidInput(
                    f"{req.installments} interest-free instalments are not offered for this amount",
                    code="invalid_installments",
                    extra={"errors": [{"field": "payment.installments", "message": "not offered for this amount"}]},
                )
            if customer.company_id is not None:  # a company buyer above their limit needs an approved request
                await b2b.authorize_spend(uow, customer.user_id, {ln.sku: ln.quantity for ln in q.lines}, q.total)
            if req.payment_method == ON_TERMS:  # faturado: refused early, before any stock is held
                await b2b.check_credit(uow, customer.company_id, q.total, ports.now())
            verdict = await _screen(uow, ports, principal, customer, req, q, state)
            held_stock = await inventory.hold(
                uow,
                {ln.sku: ln.quantity for ln in q.lines},
                reference=f"checkout:{money_key}",
                now=ports.now(),
                actor=actor,
            )
            await uow.commit()
    if prior is not None:
        return await _resume(container, tenant_id, prior, money_key, actor)
    reservation_id = held_stock.id
    await fault("checkout.reserved")
    # 2. authorize (outside any transaction); Pix and boleto are paid later, confirmed by notification
    instant = req.payment_method in INSTANT_METHODS and q.total > 0
    on_terms = req.payment_method == ON_TERMS and q.total > 0
    gateway = payments.gateway_of(container)
    result: GatewayResult | None = None
    instructions: dict[str, Any] | None = None
    if q.total > 0 and not instant and not on_terms:
        try:
            result = await payments.gateway_authorize(
                gateway, amount=q.total, currency=q.currency, source=req.payment_source, idempotency_key=money_key,
                installments=req.installments,
            )  # fmt: skip
        except GatewayError as exc:
            log.warning("payment_unavailable", error=str(exc))
            await _release(container, tenant_id, reservation_id, actor, "payment unavailable")
            raise payments.PaymentUnavailable(
                "the payment provider did not answer; no money was taken, please try again"
            ) from exc
        if not result.ok and not payments.needs_authentication(result):
            async with container.uow(tenant_id, actor=actor) as uow:
                await inventory.release_reservation(uow, reservation_id, reason="payment declined", actor=actor)
                await payments.record_authorization(
                    uow, result, gateway=gateway.name, amount=q.total, currency=q.currency,
                    method=req.payment_method, source=req.payment_source, idempotency_key=money_key, actor=actor,
                )  # fmt: skip
                await uow.commit()
            raise payments.PaymentDeclined(result.message or "payment declined", extra={"decline_code": result.code})
    # 3-D Secure: the order waits (stock held) while the shopper authenticates at the issuer's page
    challenge = result is not None and payments.needs_authentication(result)
    await fault("checkout.authorized")
    # 3. create the order (born awaiting payment, with its history), commit the stock
    invoice: b2b.InvoiceView | None = None
    try:
        for attempt in range(_NUMBER_ATTEMPTS):
            try:
                async with container.uow(tenant_id, actor=actor) as uow:
                    payment_id = new_id() if result is not None else None
                    held = verdict is not None and verdict.decision == "hold" and result is not None
                    order, items = _create(
                        uow, q, req, customer, reservation_id, actor, ports, payment_id=payment_id,
                        reason=FRAUD_REVIEW if held else "checkout",
                    )  # fmt: skip
                    order_id = order.id
                    if verdict is not None and ports.fraud is not None:
                        await ports.fraud.record(uow, verdict, order.id, order.order_number)
                    await coupon_rules.claim(uow, q.discounts, user_id=principal.user_id, order_id=order.id)
                    if quoted is not None:  # bought once: a second checkout of the quote is refused here
                        await b2b.mark_quote_ordered(uow, quoted.quote_id, order.id, principal.user_id)
                    if q.loyalty_discount > 0:  # spend only the points the discount used (capped by the goods)
                        points = int((q.loyalty_discount / users.POINT_VALUE).to_integral_value(rounding=ROUND_CEILING))
                        await users.redeem_points_for_order(
                            uow, principal.user_id, order.id, min(points, req.loyalty_points)
                        )
                    if result is not None and challenge:
                        await payments.record_pending_authentication(
                            uow, result, gateway=gateway.name, amount=q.total, currency=q.currency,
                            source=req.payment_source, idempotency_key=money_key, order_id=order.id,
                            payment_id=payment_id or new_id(), now=ports.now(), actor=actor,
                        )  # fmt: skip
                    elif result is not None:
                        await payments.record_authorization(
                            uow, result, gateway=gateway.name, amount=q.total, currency=q.currency,
                            method=req.payment_method, source=req.payment_source, idempotency_key=money_key,
                            order_id=order.id, actor=actor, payment_id=payment_id,
                        )  # fmt: skip
                    if instant:
                        instructions = await _instant_charge(container, uow, order, q, req, customer, ports)
                    if on_terms:  # the invoice and its boletos, the credit checked again under its lock
                        invoice = await b2b.open_invoice(
                            uow, company_id=customer.company_id, buyer_id=customer.user_id, order_id=order.id,
                            order_number=order.order_number, po_number=order.po_number, total=q.total,
                            now=ports.now(),
                        )  # fmt: skip
                    # last, so that the hot stock rows stay locked only for their UPDATE and the commit
                    await inventory.commit_reservation(uow, reservation_id, actor=actor, lines=held_stock.lines)
                    if on_terms:  # confirmed on terms: paid for fulfilment and the NF-e (docs/b2b.md)
                        await lifecycle.transition(uow, order, "paid", actor="system:b2b", reason=CONFIRMED_ON_TERMS,
                                                   items=items)  # fmt: skip
                    if instant or held or on_terms or challenge:
                        detail = await order_detail(uow, order_id, order=order, items=items)
                    await uow.commit()
                break
            except IntegrityError as exc:  # another order took this number (40 random bits a day): draw again
                if "order_number" not in str(exc.orig) or attempt == _NUMBER_ATTEMPTS - 1:
                    raise
    except ProcessCrash:  # a dead process compensates nothing (tests' fault hook): recovery must converge
        raise
    except BaseException:
        if result is not None and result.ok:
            method, source = req.payment_method, req.payment_source
            await _void(container, tenant_id, result, q, method, source, money_key, gateway.name, actor)
        await _release(container, tenant_id, reservation_id, actor, "checkout failed")
        raise
    if challenge and result is not None:  # 4^. the shopper authenticates, then complete_authentication
        detail["next_action_url"] = result.next_action_url
        return detail
    if held:  # 4''. the authorization waits for staff: approve captures, reject voids (orders/review.py)
        detail["fraud_review"] = "pending"
        return detail
    if invoice is not None:  # 4'''. faturado: nothing to capture; the instalments' boletos come later
        detail["invoice"] = invoice_json(invoice)
        return detail
    if instructions is not None:  # 4'. Pix / boleto: the order waits for the payment's confirmation
        detail["payment_instructions"] = instructions
        return detail
    await fault("checkout.order_committed")
    # 4. capture, order paid
    if result is not None and payment_id is not None:
        return await _capture_and_pay(
            container, tenant_id, order_id, payment_id, result.reference or "", q.total, reservation_id, money_key,
            actor, items=items,
        )  # fmt: skip
    async with container.uow(tenant_id, actor=actor) as uow:
        order_row = await repo.lock_order(uow, order_id)
        assert order_row is not None
        await lifecycle.transition(uow, order_row, "paid", actor="system", reason="nothing to pay", items=items)
        detail = await order_detail(uow, order_id, order=order_row, items=items)
        await uow.commit()
    return detail


async def shipping_choice(
    container: Container,
    ports: OrdersPorts,
    tenant_id: uuid.UUID,
    req: CheckoutRequest,
    company_id: uuid.UUID | None = None,
    quoted: b2b.QuotedOrder | None = None,
) -> tuple[ShippingOverride, CheckoutRequest]:
    """The chosen option as the logistics context confirms it (re-quoted when it expired), and the request
    carrying it for the order's ``shipping_option`` column (carrier and service for the shipment). The
    free-shipping threshold counts what the buyer pays: a quote's prices, else its company's list prices."""
    async with container.uow(tenant_id, read_only=True) as uow:
        sellables = await ports.catalog.get_sellables(uow, list(req.lines))
        prices = {sku: s.unit_price for sku, s in sellables.items()}
        if quoted is not None:
            prices.update(quoted.prices)
        elif company_id is not None:
            found = await b2b.prices_for(
                uow, company_id, {k: (req.lines[k], v) for k, v in prices.items()}, ports.now()
            )
            prices.update({sku: p.unit_price for sku, p in found.items() if p.rule})
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
    if option.pickup:  # collected at a pickup point: the parcel goes there
        chosen["pickup"] = dict(option.pickup)
    return ShippingOverride(option.price, option.co2e_kg, option.free_with_coupon), replace(req, shipping_chosen=chosen)


#: The history reason of an order whose authorization waits for the fraud review (never auto-captured).
FRAUD_REVIEW = "checkout: fraud review"
#: An authorization younger than this may belong to a checkout still running: recovery leaves it alone.
RECOVERY_GRACE = timedelta(minutes=2)


async def _capture_and_pay(
    container: Container,
    tenant_id: uuid.UUID,
    order_id: uuid.UUID,
    payment_id: uuid.UUID,
    reference: str,
    total: Decimal,
    reservation_id: uuid.UUID | None,
    money_key: str,
    actor: str,
    *,
    items: list[OrderItem] | None = None,
) -> dict[str, Any]:
    """Step 4: capture under the checkout's own key (the provider captures once however often this runs)
    and mark the order paid; a failed capture cancels the order (stock back) and voids the hold. ``items``
    (the order's, when the caller just wrote them) spare their re-read."""
    gateway = payments.gateway_of(container)
    cap_key = f"{money_key}:capture"
    try:
        cap = await payments.gateway_capture(gateway, reference, total, cap_key)
    except GatewayError:
        cap = GatewayResult(False, reference, "failed", total, "gateway_unavailable")
    await fault("checkout.captured")
    async with container.uow(tenant_id, actor=actor) as uow:
        # the order before its payments: the order of every such lock
        order_row = await repo.lock_order(uow, order_id)
        assert order_row is not None
        await payments.record_capture(uow, payment_id, cap, total, cap_key, actor=actor)
        if cap.ok:
            if order_row.status == "awaiting_payment":
                await lifecycle.mark_paid(
                    uow, order_id, actor="system:payments", reason="payment captured", locked=order_row, items=items
                )
            detail = await order_detail(uow, order_id, order=order_row, items=items)
        elif order_row.status == "awaiting_payment":
            await lifecycle.transition(uow, order_row, "cancelled", actor="system:payments",
                                       reason=f"capture failed: {cap.code}")  # fmt: skip
            if reservation_id is not None:
                await inventory.restock_reservation(uow, reservation_id, reason="capture failed", actor=actor)
            await coupon_rules.unclaim(uow, order_id)
        await uow.commit()
    if not cap.ok:
        await payments.void(container, tenant_id, payment_id, key=f"{money_key}:void")
        raise payments.PaymentDeclined("the payment could not be captured", extra={"decline_code": cap.code})
    return detail


async def _held_for_review(uow: UnitOfWork, order_id: uuid.UUID) -> bool:
    return any(h.reason == FRAUD_REVIEW for h in await repo.history(uow, order_id))


@dataclass(frozen=True)
class _Prior:
    """What an earlier attempt under the same Idempotency-Key left: its payment and, if made, its order."""

    payment_id: uuid.UUID
    status: str
    reference: str
    failure: str | None
    #: The order's id, status, total and reservation (values: the unit of work that read them rolls back).
    order: tuple[uuid.UUID, str, Decimal, uuid.UUID | None] | None
    held: bool


async def _prior_attempt(uow: UnitOfWork, money_key: str) -> _Prior | None:
    """``None`` (start afresh) when no payment was recorded under the key."""
    payment = await payments.payment_by_authorization_key(uow, money_key)
    if payment is None:
        return None
    order = await repo.get_order(uow, payment.order_id) if payment.order_id else None
    held = order is not None and await _held_for_review(uow, order.id)
    facts = (order.id, order.status, order.total_amount, order.reservation_id) if order is not None else None
    return _Prior(payment.id, payment.status, payment.gateway_reference or "", payment.failure_code, facts, held)


async def _resume(
    container: Container, tenant_id: uuid.UUID, prior: _Prior, money_key: str, actor: str
) -> dict[str, Any]:
    """A retry under an Idempotency-Key whose earlier attempt recorded a payment: the rest of it done."""
    if prior.order is None:
        if prior.status == "failed":
            raise payments.PaymentDeclined("payment declined", extra={"decline_code": prior.failure})
        raise Conflict(
            "an earlier attempt with this Idempotency-Key failed and was undone; retry with a new key",
            code="checkout_key_spent",
        )
    order_id, order_status, total, reservation_id = prior.order
    if order_status == "awaiting_payment" and prior.status == "authorized" and not prior.held:
        return await _capture_and_pay(
            container, tenant_id, order_id, prior.payment_id, prior.reference, total, reservation_id, money_key,
            actor,
        )  # fmt: skip
    async with container.uow(tenant_id, read_only=True) as uow:
        detail = await order_detail(uow, order_id)
    if prior.held:
        detail["fraud_review"] = "pending"
    return detail


async def recover_checkouts(container: Container) -> int:
    """Job: bring every checkout a crash left half-made to an end (the module docstring's rule); returns
    how many authorizations it settled."""
    before = utcnow() - RECOVERY_GRACE
    async with container.uow(None, read_only=True) as sys_uow:
        stale = [
            (p.tenant_id, p.id, p.order_id, p.gateway_reference or "", key)
            for p, key in await payments.stale_authorizations(sys_uow, before)
        ]
    settled = 0
    for tenant_id, payment_id, order_id, reference, money_key in stale:
        try:
            async with container.uow(tenant_id, read_only=True) as uow:
                order = await repo.get_order(uow, order_id) if order_id else None
                held = order is not None and await _held_for_review(uow, order.id)
            if order is not None and order.status == "awaiting_payment" and order.payment_id == payment_id:
                if held:
                    continue
                await _capture_and_pay(
                    container, tenant_id, order.id, payment_id, reference, order.total_amount, order.reservation_id,
                    money_key, "system:recovery",
                )  # fmt: skip
                log.warning("checkout_recovered", order_id=str(order.id), action="captured")
            elif order is None or order.status == "cancelled":
                await payments.void(container, tenant_id, payment_id, key=f"{money_key}:void")
                log.warning("checkout_recovered", payment_id=str(payment_id), action="voided")
            else:
                continue
            settled += 1
        except DomainError as exc:  # a capture refused: the order was cancelled and the hold voided
            log.warning("checkout_recovery_refused", payment_id=str(payment_id), code=exc.code)
            settled += 1
        except Exception:
            log.exception("checkout_recovery_failed", payment_id=str(payment_id))
    return settled


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
        payment_source=req.payment_source, at=ports.now(), client_ip=req.client_ip,
    ))  # fmt: skip
    if verdict.decision == "decline":
        await ports.fraud.record(uow, verdict, None, None)
        await uow.commit()
        raise RiskDeclined()
    return verdict


async def _instant_charge(
    container: Container,
    uow: UnitOfWork,
    order: Order,
    q: Quote,
    req: CheckoutRequest,
    customer: Any,
    ports: OrdersPorts,
) -> dict[str, Any]:
    """The Pix/boleto charge of a new order (the payments context emits ``payment.pending``)."""
    return await payments.charge_order(
        uow,
        method=req.payment_method,
        amount=q.total,
        order_id=order.id,
        order_number=order.order_number,
        payer=payments.Payer(order.user_id, customer.email, customer.first_name, customer.locale),
        merchant_name="EcoVarejo",
        location_base=payments.pix_location_base(container),
        now=ports.now(),
    )


#: Tries at a fresh order number when one collides with an existing order's (unique per tenant).
_NUMBER_ATTEMPTS = 3


def _create(
    uow: UnitOfWork,
    q: Quote,
    req: CheckoutRequest,
    customer: Any,
    reservation_id: uuid.UUID,
    actor: str,
    ports: OrdersPorts,
    *,
    payment_id: uuid.UUID | None,
    reason: str,
) -> tuple[Order, list[OrderItem]]:
    """The order, born ``awaiting_payment`` with both steps in its history and ``order.placed`` emitted
    (added to the unit of work, written by its next flush in one batch per table; no statement here)."""
    now = ports.now()
    order = Order(
        id=new_id(),
        order_number=new_order_number(now.strftime("%y%m%d")),
        user_id=customer.user_id,
        status="pending",
        currency=q.currency,
        subtotal=quantize(q.subtotal),
        discount_amount=quantize(q.discount_amount),
        loyalty_discount=quantize(q.loyalty_discount),
        tax_amount=quantize(q.tax_amount),
        tax_included=q.tax_included,
        shipping_cost=quantize(q.shipping_cost),
        total_amount=quantize(q.total),
        refunded_amount=Decimal("0.00"),
        shipping_address=req.shipping_address,
        shipping_option=req.shipping_chosen,
        billing_address=req.billing_address,
        shipping_state=q.state or "",
        carbon_footprint=quantize(q.carbon_footprint_kg),
        sustainability_score=q.sustainability_score,
        eco_packaging=q.eco_packaging,
        email=customer.email,
        first_name=customer.first_name,
        locale=customer.locale,
        coupon_codes=[d.code for d in q.discounts],
        reservation_id=reservation_id,
        notes=req.notes,
        po_number=(req.po_number or "").strip() or None,
    )
    items = [
        OrderItem(
            id=new_id(),
            order_id=order.id,
            product_id=ln.product_id,
            variant_id=ln.variant_id,
            sku=ln.sku,
            name=ln.name[:300],
            quantity=ln.quantity,
            unit_price=quantize(ln.unit_price),
            line_total=quantize(ln.line_total),
            carbon_footprint_kg=quantize(ln.carbon_footprint_kg),
            sustainability_score=quantize(ln.sustainability_score),
            certified=ln.certified,
        )
        for ln in q.lines
    ]
    repo.add(uow, order)
    for item in items:
        repo.add(uow, item)
    lifecycle.place(uow, order, items, actor=actor, reason=reason, payment_id=payment_id)
    return order, items
