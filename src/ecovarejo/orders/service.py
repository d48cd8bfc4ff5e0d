"""The orders context's public service: carts, quotes, orders and their lifecycle.

Other contexts (web, graphql) call these; the HTTP API is a thin layer over them. Checkout itself
(the saga) is :func:`ecovarejo.orders.checkout.place_order`, re-exported here.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from ecovarejo.b2b import public as b2b
from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.errors import Conflict, InvalidInput, NotFound
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.fiscal import public as fiscal
from ecovarejo.inventory import public as inventory
from ecovarejo.payments import public as payments
from ecovarejo.users import public as users

from . import coupons as coupon_rules
from . import lifecycle
from . import repository as repo
from .cart import Cart, CartStore, merge
from .catalog import Catalog
from .fraud import FraudScreen
from .models import Order, OrderItem
from .pricing import PricedLine, PricingConfig, Quote, ShippingOverride, check_state, quote

# --------------------------------------------------------------------------- ports


@dataclass
class OrdersPorts:
    carts: CartStore
    catalog: Catalog
    pricing: PricingConfig
    container: Container
    #: Admission control: checkouts running at once in this process. Each holds at most one database
    #: connection at a time, so with this at the pool size a burst queues here (FIFO, no time limit)
    #: instead of timing out on the connection pool.
    checkout_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(10))

    def now(self) -> datetime:
        return self.container.now()

    @property
    def fraud(self) -> FraudScreen | None:
        """Scores each checkout (approve / hold for review / decline): the ``FraudScreen`` port the ml
        context provides."""
        return self.container.ports.find(FraudScreen)


def ports_of(container: Container) -> OrdersPorts:
    return container.ports.get(OrdersPorts)


# --------------------------------------------------------------------------- customers


@dataclass(frozen=True)
class Customer:
    user_id: uuid.UUID
    email: str | None
    first_name: str | None
    locale: str
    b2b: bool
    company_id: uuid.UUID | None = None
    #: Buys for a company with a state registration (ICMS *contribuinte*): no DIFAL on its purchases.
    taxpayer: bool = False


async def customer_of(uow: UnitOfWork, principal: Principal) -> Customer:
    """The buyer's snapshot for the order (from the users context; one read with its company)."""
    email, first_name, locale, b2b = principal.email, None, "pt-BR", principal.company_id is not None
    company_id, taxpayer = principal.company_id, False
    buyer = await users.get_buyer(uow, principal.user_id)
    if buyer is not None:
        user = buyer.user
        email, first_name, locale = user.email, user.first_name, user.locale or "pt-BR"
        b2b, company_id = user.company_id is not None, user.company_id
        taxpayer = buyer.company is not None and buyer.company.taxpayer
    return Customer(principal.user_id, email, first_name, locale, b2b, company_id, taxpayer)


# --------------------------------------------------------------------------- pricing lines


def _priced(sellable: Any, quantity: int) -> PricedLine:
    unit = quantize(sellable.unit_price)
    return PricedLine(
        sku=sellable.sku,
        product_id=sellable.product_id,
        variant_id=getattr(sellable, "variant_id", None),
        name=sellable.name,
        quantity=quantity,
        unit_price=unit,
        line_total=unit * quantity,
        category_path=tuple(str(c) for c in (getattr(sellable, "category_path", None) or [])),
        certified=bool(getattr(sellable, "certified", False)),
        carbon_footprint_kg=Decimal(str(getattr(sellable, "carbon_footprint_kg", 0) or 0)),
        sustainability_score=Decimal(str(getattr(sellable, "sustainability_score", 0) or 0)),
        image_url=getattr(sellable, "image_url", None),
        slug=getattr(sellable, "slug", None),
    )


async def price_lines(
    uow: UnitOfWork, ports: OrdersPorts, lines: dict[str, int], *, strict: bool
) -> tuple[list[PricedLine], list[dict[str, Any]]]:
    """Price ``lines`` from the catalog and check stock. ``strict`` raises on the first problem (checkout);
    otherwise problems are listed (cart display)."""
    if len(lines) > ports.pricing.max_lines:
        raise InvalidInput(f"at most {ports.pricing.max_lines} lines per cart", code="too_many_lines")
    skus = sorted(lines)
    sellables = await ports.catalog.get_sellables(uow, skus) if skus else {}
    stock = await inventory.availability(uow, skus)
    priced: list[PricedLine] = []
    problems: list[dict[str, Any]] = []
    for sku in skus:
        qty = lines[sku]
        s = sellables.get(sku)
        problem: tuple[int, str, str] | None = None
        if s is None:
            problem = (422, "product_not_found", f"{sku} is not in the catalog")
        elif not s.is_active:
            problem = (422, "product_inactive", f"{s.name} is no longer sold")
        elif qty < 1 or qty > ports.pricing.max_line_quantity:
            problem = (422, "invalid_quantity", f"quantity must be 1 to {ports.pricing.max_line_quantity}")
        elif stock.get(sku, 0) < qty:
            problem = (409, "insufficient_stock", f"only {stock.get(sku, 0)} units of {s.name} available")
        if problem:
            if strict:
                status, code, detail = problem
                extra = {"sku": sku, "available": stock.get(sku, 0)}
                raise (Conflict if status == 409 else InvalidInput)(detail, code=code, extra=extra)
            problems.append({"sku": sku, "code": problem[1], "detail": problem[2]})
        if s is not None:
            priced.append(_priced(s, qty))
    return priced, problems


async def _company_prices(
    uow: UnitOfWork,
    ports: OrdersPorts,
    company_id: uuid.UUID,
    priced: list[PricedLine],
    problems: list[dict[str, Any]],
    *,
    strict: bool,
) -> list[PricedLine]:
    """A company buyer's lines at its price lists' best price (the rule named on the line), with the
    lists' minimum quantities and multiples checked: one read."""
    found = await b2b.prices_for(uow, company_id, {ln.sku: (ln.quantity, ln.unit_price) for ln in priced}, ports.now())
    out: list[PricedLine] = []
    for ln in priced:
        price = found.get(ln.sku)
        if price is None:
            out.append(ln)
            continue
        wrong = b2b.check_quantity(price, ln.quantity)
        if wrong is not None:
            if strict:
                raise InvalidInput(wrong[1], code=wrong[0], extra={"sku": ln.sku, "moq": price.moq,
                                                                   "multiple": price.multiple})  # fmt: skip
            problems.append({"sku": ln.sku, "code": wrong[0], "detail": wrong[1]})
        if price.rule:
            unit = quantize(price.unit_price)
            ln = replace(ln, unit_price=unit, line_total=unit * ln.quantity, price_rule=price.rule)
        out.append(ln)
    return out


async def quote_for(
    uow: UnitOfWork,
    ports: OrdersPorts,
    lines: dict[str, int],
    coupon_codes: Sequence[str],
    *,
    customer: Customer | None,
    state: str | None,
    eco_packaging: bool = True,
    strict: bool,
    loyalty_points: int = 0,
    shipping: ShippingOverride | None = None,
) -> tuple[Quote, list[dict[str, Any]]]:
    priced, problems = await price_lines(uow, ports, lines, strict=strict)
    if customer is not None and customer.company_id is not None and priced:
        priced = await _company_prices(uow, ports, customer.company_id, priced, problems, strict=strict)
    if loyalty_points and customer is None:
        raise InvalidInput("sign in to spend loyalty points", code="loyalty_requires_account")

    async def is_b2b() -> bool:
        return bool(customer and customer.b2b)

    try:
        discounts = await coupon_rules.evaluate(
            uow, coupon_codes, priced, user_id=customer.user_id if customer else None, now=ports.now(), is_b2b=is_b2b
        )
    except (InvalidInput, Conflict) as exc:
        if strict:
            raise
        problems.append({"coupon": exc.extra.get("coupon"), "code": exc.code, "detail": exc.detail})
        discounts = []
    loyalty = users.points_value(loyalty_points)
    rules = await fiscal.tax_rules(uow, ports.container.ports.find(fiscal.RulesCache))
    dest = check_state(state) if state else None
    imported: frozenset[str] = frozenset()
    if rules.origin_state and dest and dest != rules.origin_state and rules.regime != "simples" and priced:
        # 4 % interstate on imported goods: only an inter-state sale reads the products' fiscal data
        data = await fiscal.products_fiscal(uow, [ln.sku for ln in priced])
        imported = frozenset(sku for sku, f in data.items() if f.imported)
    q = quote(
        priced, config=ports.pricing, state=state, discounts=discounts, eco_packaging=eco_packaging,
        loyalty_discount=loyalty, shipping_override=shipping, tax_rules=rules,
        taxpayer=bool(customer and customer.taxpayer), imported_skus=imported,
    )  # fmt: skip
    return q, problems


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
    rows = await payments.payments_for_order(uow, order.id)
    pending = [p.id for p in rows if p.status == "pending" and p.method in ("pix", "boleto")]
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
        lifecycle.emit_refunded(uow, order, await repo.items(uow, [order.id]), delta, reason)
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
    if payment_id is None or status in ("pending", "awaiting_payment", "cancelled", "refunded"):
        raise Conflict(f"an order that is {status} cannot be refunded", code="not_refundable")
    amount = quantize(remaining if amount is None else amount)
    if amount <= 0 or amount > remaining:
        raise InvalidInput(f"refund must be between 0.01 and {remaining}", code="invalid_amount")
    if amount == remaining and not lifecycle.can(status, "refunded"):
        raise Conflict(f"an order that is {status} cannot be refunded", code="not_refundable")
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    await payments.refund(
        container, tenant_id, payment_id, amount, key=f"order-refund:{order_id}:{digest}", actor=actor
    )
    await _sync_refunds(container, tenant_id, order_id, payment_id, actor=actor, reason=reason)
    async with container.uow(tenant_id, read_only=True) as uow:
        return await order_detail(uow, order_id)
