"""Orders HTTP API: the cart, checkout, the customer's orders, and the admin's order desk and coupons."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from ecovarejo.core.auth import Principal, current_principal, optional_principal, require_permission
from ecovarejo.core.errors import InvalidInput, Unauthorized
from ecovarejo.core.http import get_container, get_read_uow, get_tenant, get_uow
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.payments.public import REPLAY_HEADER, IdempotencyStore, fingerprint

from . import coupons as coupon_rules
from . import service
from .authentication import complete_authentication
from .cart import CART_TTL, GUEST_COOKIE, GUEST_HEADER, new_guest_token, owner_key, valid_guest_token
from .checkout_command import CheckoutCommand, ReplayedProblem
from .checkout_command import checkout as place
from .schemas import (
    CartItemIn,
    CartOut,
    CartQuantityIn,
    CheckoutIn,
    CouponCodeIn,
    CouponIn,
    CouponPatch,
    ReasonIn,
    RefundIn,
    StatusIn,
)
from .views import CouponPage, CouponView, OrderPage, OrderView

router = APIRouter(prefix="/api/v1", tags=["orders"])
admin = APIRouter(prefix="/api/v1/admin", tags=["orders-admin"])
manage_orders = require_permission("manage_orders")
handle_payments = require_permission("handle_payments")


# --------------------------------------------------------------------------- cart


@dataclass
class CartOwner:
    owner: str | None
    principal: Principal | None
    new_token: str | None = None
    merged_guest: bool = False


async def _cart_owner(request: Request, principal: Principal | None = Depends(optional_principal)) -> CartOwner:
    guest = valid_guest_token(request.headers.get(GUEST_HEADER) or request.cookies.get(GUEST_COOKIE))
    if principal is not None:
        merged = False
        if guest:
            ports = service.ports_of(get_container(request))
            await service.merge_guest_cart(ports, get_tenant(request).id, principal.user_id, guest)
            merged = True
        return CartOwner(owner_key(principal.user_id, None), principal, merged_guest=merged)
    return CartOwner(owner_key(None, guest), None)


def _writable(owner: CartOwner) -> str:
    if owner.owner is None:
        owner.new_token = new_guest_token()
        owner.owner = owner_key(None, owner.new_token)
    assert owner.owner is not None
    return owner.owner


async def _cart_response(request: Request, uow: UnitOfWork, owner: CartOwner, state: str | None) -> JSONResponse:
    ports = service.ports_of(get_container(request))
    tenant_id = get_tenant(request).id
    customer = await service.customer_of(uow, owner.principal) if owner.principal else None
    if owner.owner is None:
        from .cart import Cart

        body = await service.cart_view(uow, ports, Cart(""), customer=customer, state=state)
    else:
        cart = await ports.carts.get(tenant_id, owner.owner)
        body = await service.cart_view(uow, ports, cart, customer=customer, state=state)
    token = owner.new_token
    body["cart_id"] = token or (owner.owner[2:] if owner.owner and owner.owner.startswith("g:") else None)
    resp = JSONResponse(body)
    if token:
        resp.headers["X-Cart-ID"] = token
        resp.set_cookie(GUEST_COOKIE, token, max_age=CART_TTL, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https")  # fmt: skip
    if owner.merged_guest:
        resp.delete_cookie(GUEST_COOKIE)
    return resp


@router.get("/cart", response_model=CartOut)
async def get_cart(
    request: Request,
    state: str | None = Query(None, min_length=2, max_length=2, description="UF for shipping and tax"),
    owner: CartOwner = Depends(_cart_owner),
    uow: UnitOfWork = Depends(get_read_uow),
) -> JSONResponse:
    """The cart, priced now from the catalog, with its summary (shipping and tax when ``state`` is given)."""
    return await _cart_response(request, uow, owner, state)


@router.post("/cart/items", response_model=CartOut)
async def add_cart_item(
    body: CartItemIn, request: Request, owner: CartOwner = Depends(_cart_owner), uow: UnitOfWork = Depends(get_read_uow)
) -> JSONResponse:
    ports = service.ports_of(get_container(request))
    await service.add_to_cart(uow, ports, get_tenant(request).id, _writable(owner), body.sku, body.quantity)
    return await _cart_response(request, uow, owner, None)


@router.put("/cart/items/{sku}", response_model=CartOut)
async def set_cart_item(
    sku: str,
    body: CartQuantityIn,
    request: Request,
    owner: CartOwner = Depends(_cart_owner),
    uow: UnitOfWork = Depends(get_read_uow),
) -> JSONResponse:
    ports = service.ports_of(get_container(request))
    await service.set_cart_quantity(uow, ports, get_tenant(request).id, _writable(owner), sku, body.quantity)
    return await _cart_response(request, uow, owner, None)


@router.delete("/cart/items/{sku}", response_model=CartOut)
async def remove_cart_item(
    sku: str, request: Request, owner: CartOwner = Depends(_cart_owner), uow: UnitOfWork = Depends(get_read_uow)
) -> JSONResponse:
    ports = service.ports_of(get_container(request))
    await service.set_cart_quantity(uow, ports, get_tenant(request).id, _writable(owner), sku, 0)
    return await _cart_response(request, uow, owner, None)


@router.delete("/cart", status_code=204)
async def clear_cart(request: Request, owner: CartOwner = Depends(_cart_owner)) -> Response:
    if owner.owner:
        await service.ports_of(get_container(request)).carts.delete(get_tenant(request).id, owner.owner)
    return Response(status_code=204)


@router.post("/cart/coupons", response_model=CartOut)
async def add_coupon(
    body: CouponCodeIn,
    request: Request,
    owner: CartOwner = Depends(_cart_owner),
    uow: UnitOfWork = Depends(get_read_uow),
) -> JSONResponse:
    ports = service.ports_of(get_container(request))
    tenant_id = get_tenant(request).id
    key = _writable(owner)
    cart = await ports.carts.get(tenant_id, key)
    customer = await service.customer_of(uow, owner.principal) if owner.principal else None
    await service.set_cart_coupons(uow, ports, tenant_id, key, [*cart.coupons, body.code], customer)
    return await _cart_response(request, uow, owner, None)


@router.delete("/cart/coupons/{code}", response_model=CartOut)
async def remove_coupon(
    code: str, request: Request, owner: CartOwner = Depends(_cart_owner), uow: UnitOfWork = Depends(get_read_uow)
) -> JSONResponse:
    ports = service.ports_of(get_container(request))
    tenant_id = get_tenant(request).id
    key = _writable(owner)
    cart = await ports.carts.get(tenant_id, key)
    cart.coupons = [c for c in cart.coupons if c != coupon_rules.normalise(code)]
    await ports.carts.save(tenant_id, cart)
    return await _cart_response(request, uow, owner, None)


# --------------------------------------------------------------------------- checkout and my orders


@router.post("/orders", status_code=201, response_model=OrderView)
async def checkout(
    body: CheckoutIn,
    request: Request,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
    owner: CartOwner = Depends(_cart_owner),
) -> JSONResponse:
    """Place an order from the cart (or ``items``). Requires ``Idempotency-Key``: the same key and body
    replay the first answer (``Idempotent-Replayed: true``); another body with that key is refused (422)."""
    if owner.principal is None:
        raise Unauthorized("sign in to place an order")
    command = CheckoutCommand(
        tenant_id=get_tenant(request).id,
        principal=owner.principal,
        cart_owner=owner.owner or "",
        idempotency_key=idempotency_key,
        order=body,
        client_ip=request.client.host if request.client else None,
    )
    try:
        result = await place(get_container(request), command)
    except ReplayedProblem as exc:
        return exc.response()
    doc = result.order.model_dump(mode="json")
    if result.replayed:
        return JSONResponse(doc, status_code=201, headers={REPLAY_HEADER: "true"})
    return JSONResponse(
        doc, status_code=201, headers={"Location": f"/api/v1/orders/{doc['id']}", REPLAY_HEADER: "false"}
    )


@router.get("/orders", response_model=OrderPage)
async def my_orders(
    limit: int = Query(20, ge=1, le=100),
    cursor: str | None = Query(None, max_length=64),
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:
    return await service.list_orders(uow, limit=limit, cursor=cursor, user_id=principal.user_id)


@router.get("/orders/{order_id}", response_model=OrderView)
async def my_order(
    order_id: uuid.UUID, principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    return await service.order_detail(uow, order_id, principal=principal)


@router.post("/orders/{order_id}/authentication", response_model=OrderView)
async def finish_authentication(
    order_id: uuid.UUID, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    """After the card's 3-D Secure challenge: the provider is asked how it ended (safe to repeat). Paid when
    authenticated; ``next_action_url`` again while the challenge is open; ``payment_failed`` (the order
    cancelled, its stock back) when the issuer refused — retry the checkout with another card. Paid: the
    cart it was bought from is emptied (as after a checkout that needed no challenge)."""
    return await complete_authentication(
        get_container(request), get_tenant(request).id, principal, order_id=order_id,
        cart_owner=owner_key(principal.user_id, None),
    )  # fmt: skip


@router.post("/orders/{order_id}/cancel", response_model=OrderView)
async def cancel_my_order(
    order_id: uuid.UUID, body: ReasonIn, request: Request, principal: Principal = Depends(current_principal)
) -> dict[str, Any]:
    return await service.cancel(
        get_container(request), get_tenant(request).id, order_id, principal=principal,
        reason=body.reason or "cancelled by the customer", as_admin=False,
    )  # fmt: skip


@router.post("/orders/{order_id}/return", response_model=OrderView)
async def request_return(
    order_id: uuid.UUID,
    body: ReasonIn,
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    await service.request_return(uow, order_id, principal, body.reason or "return requested")
    await uow.commit()
    return await service.order_detail(uow, order_id)


# --------------------------------------------------------------------------- admin


@admin.get("/orders", response_model=OrderPage)
async def admin_orders(
    status: str | None = Query(None, max_length=50),
    user_id: uuid.UUID | None = None,
    q: str | None = Query(None, max_length=20, description="order number"),
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=64),
    _: Principal = Depends(manage_orders),
    uow: UnitOfWork = Depends(get_read_uow),
) -> dict[str, Any]:
    return await service.list_orders(
        uow, limit=limit, cursor=cursor, user_id=user_id, status=status, number=q,
        created_from=created_from, created_to=created_to,
    )  # fmt: skip


@admin.get("/orders/{order_id}", response_model=OrderView)
async def admin_order(
    order_id: uuid.UUID, _: Principal = Depends(manage_orders), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    return await service.order_detail(uow, order_id)


@admin.post("/orders/{order_id}/status", response_model=OrderView)
async def admin_advance(
    order_id: uuid.UUID, body: StatusIn, who: Principal = Depends(manage_orders), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    await service.advance(
        uow, order_id, body.status, actor=str(who.user_id), reason=body.reason, carrier=body.carrier,
        tracking_code=body.tracking_code, tracking_url=body.tracking_url,
    )  # fmt: skip
    await uow.commit()
    return await service.order_detail(uow, order_id)


@admin.post("/orders/{order_id}/cancel", response_model=OrderView)
async def admin_cancel(
    order_id: uuid.UUID, body: ReasonIn, request: Request, who: Principal = Depends(manage_orders)
) -> dict[str, Any]:
    return await service.cancel(
        get_container(request), get_tenant(request).id, order_id, principal=who,
        reason=body.reason or "cancelled by staff", as_admin=True,
    )  # fmt: skip


@admin.post("/orders/{order_id}/refund", response_model=OrderView)
async def admin_refund(
    order_id: uuid.UUID,
    body: RefundIn,
    request: Request,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
    who: Principal = Depends(handle_payments),
) -> JSONResponse:
    """Refund all (no ``amount``) or part of an order; ``Idempotency-Key`` required."""
    container = get_container(request)
    tenant_id = get_tenant(request).id

    async def run() -> tuple[int, Any, dict[str, str]]:
        out = await service.refund(
            container, tenant_id, order_id, body.amount, key=idempotency_key or "", actor=str(who.user_id),
            reason=body.reason,
        )  # fmt: skip
        return 200, out, {}

    return await IdempotencyStore(container).run(
        tenant_id=tenant_id,
        scope=f"refund:{order_id}",
        key=idempotency_key,
        request_hash=fingerprint(f"/admin/orders/{order_id}/refund", body.model_dump(mode="json")),
        handler=run,
    )


def _coupon_json(c: Any) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "code": c.code,
        "kind": c.kind,
        "value": str(c.value),
        "description": c.description,
        "min_subtotal": str(c.min_subtotal) if c.min_subtotal is not None else None,
        "category_ids": c.category_ids,
        "certified_only": c.certified_only,
        "first_order_only": c.first_order_only,
        "b2b_only": c.b2b_only,
        "starts_at": c.starts_at.isoformat() if c.starts_at else None,
        "ends_at": c.ends_at.isoformat() if c.ends_at else None,
        "max_uses": c.max_uses,
        "max_uses_per_customer": c.max_uses_per_customer,
        "used_count": c.used_count,
        "stackable": c.stackable,
        "is_active": c.is_active,
    }


@admin.post("/coupons", status_code=201, response_model=CouponView)
async def create_coupon(
    body: CouponIn, _: Principal = Depends(manage_orders), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    data = body.model_dump()
    data["category_ids"] = tuple(str(c) for c in body.category_ids)
    coupon = await coupon_rules.create_coupon(uow, coupon_rules.CouponSpec(**data))
    await uow.commit()
    return _coupon_json(coupon)


@admin.get("/coupons", response_model=CouponPage)
async def list_coupons(
    _: Principal = Depends(manage_orders), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    return {"items": [_coupon_json(c) for c in await coupon_rules.list_coupons(uow)], "next_cursor": None}


@admin.patch("/coupons/{coupon_id}", response_model=CouponView)
async def update_coupon(
    coupon_id: uuid.UUID,
    body: CouponPatch,
    _: Principal = Depends(manage_orders),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    """Edit or deactivate (``is_active: false``) a coupon; a field sent as ``null`` clears it."""
    changes = body.model_dump(exclude_unset=True)
    for flag in ("value", "certified_only", "first_order_only", "b2b_only", "stackable", "is_active"):
        if flag in changes and changes[flag] is None:
            raise InvalidInput(f"{flag} cannot be empty", code="invalid_coupon_value")
    coupon = await coupon_rules.update_coupon(uow, coupon_id, changes)
    await uow.commit()
    return _coupon_json(coupon)
