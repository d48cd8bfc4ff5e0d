"""Cart, checkout and my orders, over the orders service, for the authenticated caller (same JWT as REST).

Guests keep carts through REST (``X-Cart-ID``); here a cart is the signed-in user's. Checkout runs the
orders context's saga under an idempotency key, like ``POST /api/v1/orders``: the same key and input
replay the first answer (``replayed: true``), another input with that key is refused.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import strawberry
from pydantic import ValidationError
from strawberry.types import Info

from ecovarejo.core.errors import InvalidInput
from ecovarejo.orders import public as orders
from ecovarejo.orders.public import CheckoutIn, owner_key

from .context import GQLContext
from .shipping import PickupPoint

Ctx = Info[GQLContext, None]


@strawberry.type
class CartLine:
    sku: str
    product_id: strawberry.ID | None
    name: str
    slug: str | None
    image_url: str | None
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    certified: bool
    carbon_footprint_kg: Decimal
    #: The company price-list rule that set the unit price (a company buyer's cart), else null.
    price_rule: str | None = None


@strawberry.type
class CartProblem:
    coupon: str | None
    code: str
    detail: str


@strawberry.type
class CartSummary:
    subtotal: Decimal
    discount_amount: Decimal
    shipping_cost: Decimal
    tax_amount: Decimal
    total: Decimal
    currency: str
    carbon_footprint_kg: Decimal


@strawberry.type
class Cart:
    items: list[CartLine]
    coupons: list[str]
    problems: list[CartProblem]
    summary: CartSummary


@strawberry.type
class OrderItem:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal


@strawberry.type
class Order:
    id: strawberry.ID
    order_number: str
    status: str
    currency: str
    subtotal: Decimal
    shipping_cost: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    carbon_footprint_kg: Decimal
    eco_packaging: bool
    created_at: str
    items: list[OrderItem]
    #: The shipping option chosen at checkout (``service_name``, days, kg CO2e), when there was one.
    shipping_service: str | None = None
    shipping_co2e_kg: Decimal | None = None
    #: Where the customer collects the parcel, when a pickup point was chosen.
    pickup_point: PickupPoint | None = None
    #: True when this answer is the replay of an earlier checkout with the same idempotency key.
    replayed: bool = False


@strawberry.type
class OrderPage:
    items: list[Order]
    next_cursor: str | None


@strawberry.input
class AddressInput:
    recipient: str
    street: str
    number: str
    city: str
    state: str
    postal_code: str
    complement: str | None = None
    district: str | None = None


@strawberry.input
class PaymentInput:
    method: str = "card"
    source: str = ""
    installments: int = 1


@strawberry.input
class CheckoutInput:
    shipping_address: AddressInput
    payment: PaymentInput
    billing_address: AddressInput | None = None
    eco_packaging: bool = True
    notes: str | None = None
    #: An option id from ``shippingQuote`` (its price, days and kg CO2e); none: priced by state.
    shipping_option: str | None = None
    #: Eco-loyalty points to redeem (100 points = R$ 5,00), as in ``POST /api/v1/orders``.
    loyalty_points: int = 0


def _cart(view: dict[str, Any]) -> Cart:
    s = view["summary"]
    return Cart(
        items=[
            CartLine(
                sku=i["sku"],
                product_id=strawberry.ID(i["product_id"]) if i.get("product_id") else None,
                name=i["name"],
                slug=i.get("slug"),
                image_url=i.get("image_url"),
                quantity=int(i["quantity"]),
                unit_price=Decimal(i["unit_price"]),
                line_total=Decimal(i["line_total"]),
                certified=bool(i.get("certified")),
                carbon_footprint_kg=Decimal(str(i.get("carbon_footprint_kg") or "0")),
                price_rule=i.get("price_rule"),
            )
            for i in view["items"]
        ],
        coupons=list(view.get("coupons", [])),
        problems=[
            CartProblem(coupon=p.get("coupon"), code=p["code"], detail=p["detail"]) for p in view.get("problems", [])
        ],
        summary=CartSummary(
            subtotal=Decimal(s["subtotal"]),
            discount_amount=Decimal(s["discount_amount"]),
            shipping_cost=Decimal(s["shipping_cost"]),
            tax_amount=Decimal(s["tax_amount"]),
            total=Decimal(s["total"]),
            currency=s["currency"],
            carbon_footprint_kg=Decimal(s["carbon_footprint_kg"]),
        ),
    )


def _order(doc: dict[str, Any], replayed: bool = False) -> Order:
    return Order(
        id=strawberry.ID(str(doc["id"])),
        order_number=doc["order_number"],
        status=doc["status"],
        currency=doc["currency"],
        subtotal=Decimal(doc["subtotal"]),
        shipping_cost=Decimal(doc["shipping_cost"]),
        tax_amount=Decimal(doc["tax_amount"]),
        total_amount=Decimal(doc["total_amount"]),
        carbon_footprint_kg=Decimal(str(doc.get("carbon_footprint") or "0")),
        eco_packaging=bool(doc.get("eco_packaging")),
        created_at=doc["created_at"],
        items=[
            OrderItem(
                sku=i["sku"],
                name=i["name"],
                quantity=int(i["quantity"]),
                unit_price=Decimal(i["unit_price"]),
                line_total=Decimal(i["line_total"]),
            )
            for i in doc.get("items", [])
        ],
        replayed=replayed,
        shipping_service=_chosen(doc).get("service_name"),
        shipping_co2e_kg=Decimal(str(_chosen(doc)["co2e_kg"])) if _chosen(doc).get("co2e_kg") else None,
        pickup_point=PickupPoint.of(_chosen(doc).get("pickup")),
    )


def _chosen(doc: dict[str, Any]) -> dict[str, Any]:
    chosen = doc.get("shipping_option")
    return chosen if isinstance(chosen, dict) else {}


async def _cart_of(ctx: GQLContext) -> Cart:
    principal = await ctx.require_principal()
    ports = orders.ports_of(ctx.container)
    async with ctx.db() as uow:
        cart = await ports.carts.get(ctx.tenant_id, owner_key(principal.user_id, None) or "")
        customer = await orders.customer_of(uow, principal)
        return _cart(await orders.cart_view(uow, ports, cart, customer=customer, state=None))


def _address(a: AddressInput | None) -> dict[str, Any] | None:
    return None if a is None else {k: v for k, v in vars(a).items() if v is not None}


@strawberry.type
class ShoppingQuery:
    @strawberry.field(description="The caller's cart, priced from the catalog.")  # type: ignore[untyped-decorator]
    async def cart(self, info: Ctx) -> Cart:
        return await _cart_of(info.context)

    @strawberry.field(description="The caller's orders, newest first.")  # type: ignore[untyped-decorator]
    async def my_orders(self, info: Ctx, limit: int = 20, cursor: str | None = None) -> OrderPage:
        if not 1 <= limit <= 100:
            raise InvalidInput("limit must be between 1 and 100", code="invalid_limit")
        principal = await info.context.require_principal()
        async with info.context.db() as uow:
            page = await orders.list_orders(uow, limit=limit, cursor=cursor, user_id=principal.user_id)
        return OrderPage(items=[_order(o) for o in page["items"]], next_cursor=page.get("next_cursor"))

    @strawberry.field(description="One of the caller's orders.")  # type: ignore[untyped-decorator]
    async def order(self, info: Ctx, id: strawberry.ID) -> Order:
        principal = await info.context.require_principal()
        try:
            order_id = uuid.UUID(str(id))
        except ValueError:
            raise InvalidInput("not an order id", code="invalid_id") from None
        async with info.context.db() as uow:
            return _order(await orders.order_detail(uow, order_id, principal=principal))


@strawberry.type
class ShoppingMutation:
    @strawberry.mutation(description="Add units of a SKU to the caller's cart.")  # type: ignore[untyped-decorator]
    async def add_to_cart(self, info: Ctx, sku: str, quantity: int = 1) -> Cart:
        ctx = info.context
        principal = await ctx.require_principal()
        if quantity < 1:
            raise InvalidInput("quantity must be at least 1", code="invalid_quantity")
        ports = orders.ports_of(ctx.container)
        async with ctx.db() as uow:
            await orders.add_to_cart(uow, ports, ctx.tenant_id, owner_key(principal.user_id, None) or "", sku, quantity)
        return await _cart_of(ctx)

    @strawberry.mutation(description="Set a line's quantity; 0 removes it.")  # type: ignore[untyped-decorator]
    async def set_cart_quantity(self, info: Ctx, sku: str, quantity: int) -> Cart:
        ctx = info.context
        principal = await ctx.require_principal()
        if quantity < 0:
            raise InvalidInput("quantity cannot be negative", code="invalid_quantity")
        ports = orders.ports_of(ctx.container)
        async with ctx.db() as uow:
            owner = owner_key(principal.user_id, None) or ""
            await orders.set_cart_quantity(uow, ports, ctx.tenant_id, owner, sku, quantity)
        return await _cart_of(ctx)

    @strawberry.mutation(description="Place an order from the cart (idempotent per key).")  # type: ignore[untyped-decorator]
    async def checkout(self, info: Ctx, input: CheckoutInput, idempotency_key: str) -> Order:
        ctx = info.context
        principal = await ctx.require_principal()
        raw = {
            "shipping_address": _address(input.shipping_address),
            "billing_address": _address(input.billing_address),
            "payment": {
                "method": input.payment.method,
                "source": input.payment.source,
                "installments": input.payment.installments,
            },
            "eco_packaging": input.eco_packaging,
            "notes": input.notes,
            "shipping_option": input.shipping_option,
            "loyalty_points": input.loyalty_points,
        }
        try:
            body = CheckoutIn.model_validate(raw)
        except ValidationError as exc:
            fields = [".".join(str(p) for p in e["loc"]) for e in exc.errors()]
            raise InvalidInput(f"invalid checkout input: {', '.join(fields)}", code="validation_error") from None
        command = orders.CheckoutCommand(
            tenant_id=ctx.tenant_id,
            principal=principal,
            cart_owner=owner_key(principal.user_id, None) or "",
            idempotency_key=idempotency_key,
            order=body,
            client_ip=ctx.http.client.host if ctx.http.client else None,
        )
        # the saga opens its own transactions: no request unit of work is held across it
        result = await orders.checkout(ctx.container, command)
        return _order(result.order.model_dump(mode="json"), replayed=result.replayed)
