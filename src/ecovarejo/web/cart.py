"""Cart, checkout and order confirmation pages over the orders (and payments) services."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.core.errors import DomainError, InvalidInput

from . import backend
from .pages import PageRoute, flashes, form_with_csrf, principal_of, redirect, require_user, uow_for
from .security import cookie_secure
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

CART_COOKIE = "ev_cart"
GET_CART = ("get_cart", "cart_for", "load_cart")
ADD_ITEM = ("add_item", "add_to_cart", "add_cart_item")
UPDATE_ITEM = ("update_item", "set_item_quantity", "update_cart_item")
REMOVE_ITEM = ("remove_item", "remove_cart_item")
APPLY_COUPON = ("apply_coupon",)
MERGE = ("merge_carts", "merge_cart")
QUOTE = ("quote_shipping", "shipping_options", "shipping_quote")
CHECKOUT = ("checkout", "place_order", "create_order")
GET_ORDER = ("get_order", "order_for_customer", "get_order_for_user")
PAY = ("pay_order", "create_payment", "start_payment", "pay")
PAYMENT_OF = ("payment_for_order", "payments_for_order", "get_payment_for_order")


def cart_key(request: Request) -> str | None:
    value = request.cookies.get(CART_COOKIE)
    return value if value and len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum() else None


def _owner(request: Request) -> dict[str, Any]:
    principal = getattr(request.state, "web_principal", None)
    return {
        "user_id": principal.user_id if principal else None,
        "principal": principal,
        "cart_token": cart_key(request),
        "session_id": cart_key(request),
        "anonymous_id": cart_key(request),
    }


async def load_cart(request: Request) -> dict[str, Any] | None:
    if not backend.has("orders", *GET_CART):
        return None
    owner = _owner(request)
    if owner["user_id"] is None and owner["cart_token"] is None:
        return None
    async with uow_for(request, read_only=True) as uow:
        cart = await backend.call("orders", GET_CART, uow, **owner)
    return cart if isinstance(cart, dict) else None


async def cart_count(request: Request) -> int:
    try:
        cart = await load_cart(request)
    except DomainError:
        return 0
    if not cart:
        return 0
    return sum(int(i.get("quantity") or 0) for i in cart.get("items") or [])


def _ensure_cart_cookie(request: Request, response: Response) -> None:
    if cart_key(request) is None and getattr(request.state, "new_cart", None):
        response.set_cookie(
            CART_COOKIE,
            request.state.new_cart,
            max_age=30 * 86400,
            httponly=True,
            secure=cookie_secure(request),
            samesite="lax",
            path="/",
        )


def _owner_for_write(request: Request) -> dict[str, Any]:
    owner = _owner(request)
    if owner["user_id"] is None and owner["cart_token"] is None:
        token = secrets.token_urlsafe(24)
        request.state.new_cart = token
        owner.update(cart_token=token, session_id=token, anonymous_id=token)
    return owner


def _qty(value: Any) -> int:
    try:
        q = int(str(value))
    except ValueError as exc:
        raise InvalidInput("quantity must be a whole number", code="invalid_quantity") from exc
    if not 0 <= q <= 99:
        raise InvalidInput("quantity must be between 0 and 99", code="invalid_quantity")
    return q


def _uuid(value: Any, name: str) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{name} is not valid", code="invalid_reference") from exc


@router.get("/carrinho")
async def cart_page(request: Request) -> Response:
    await principal_of(request)
    cart = await load_cart(request)
    items = (cart or {}).get("items") or []
    return render(
        request,
        "store/cart.html",
        cart=cart,
        items=items,
        cart_count=sum(int(i.get("quantity") or 0) for i in items),
        unavailable=not backend.has("orders", *GET_CART),
        flashes=flashes(request),
    )


@router.post("/carrinho/itens")
async def add_to_cart(request: Request) -> Response:
    form = await form_with_csrf(request)
    await principal_of(request)
    product_id = _uuid(form.get("product_id"), "product")
    variant_id = _uuid(form.get("variant_id"), "variant")
    quantity = _qty(form.get("quantity") or 1)
    if product_id is None or quantity < 1:
        raise InvalidInput("choose a product and a quantity", code="invalid_item")
    owner = _owner_for_write(request)
    async with uow_for(request) as uow:
        await backend.call(
            "orders",
            ADD_ITEM,
            uow,
            product_id=product_id,
            variant_id=variant_id,
            quantity=quantity,
            **owner,
        )
        await uow.commit()
    response = redirect("/carrinho?ok=added_to_cart")
    _ensure_cart_cookie(request, response)
    return response


@router.post("/carrinho/itens/{item_id}")
async def update_cart_item(request: Request, item_id: uuid.UUID) -> Response:
    form = await form_with_csrf(request)
    await principal_of(request)
    quantity = 0 if form.get("remove") else _qty(form.get("quantity"))
    owner = _owner(request)
    async with uow_for(request) as uow:
        if quantity == 0 and backend.has("orders", *REMOVE_ITEM):
            await backend.call("orders", REMOVE_ITEM, uow, item_id=item_id, **owner)
        else:
            await backend.call("orders", UPDATE_ITEM, uow, item_id=item_id, quantity=quantity, **owner)
        await uow.commit()
    return redirect("/carrinho")


@router.post("/carrinho/cupom")
async def apply_coupon(request: Request) -> Response:
    form = await form_with_csrf(request)
    await principal_of(request)
    code = str(form.get("coupon") or "").strip()[:50]
    target = str(form.get("next") or "/carrinho")
    target = target if target in {"/carrinho", "/checkout"} else "/carrinho"
    async with uow_for(request) as uow:
        await backend.call("orders", APPLY_COUPON, uow, code=code, coupon=code, **_owner(request))
        await uow.commit()
    return redirect(f"{target}?ok=saved")


@router.get("/checkout")
async def checkout_page(request: Request) -> Response:
    principal = await require_user(request)
    cart = await load_cart(request)
    if not cart or not cart.get("items"):
        return redirect("/carrinho")
    addresses = await _addresses(request, principal.user_id)
    return render(
        request,
        "store/checkout.html",
        cart=cart,
        items=cart.get("items") or [],
        addresses=addresses,
        cart_count=sum(int(i.get("quantity") or 0) for i in cart.get("items") or []),
        methods=_payment_methods(),
        flashes=flashes(request),
        form={},
        errors={},
        idempotency_key=secrets.token_urlsafe(16),
        max_installments=_max_installments(cart),
    )


def _max_installments(cart: dict[str, Any]) -> int:
    from .storefront import _max_installments as by_price

    return by_price(cart.get("total_amount") or cart.get("total") or cart.get("subtotal") or 0)


def _payment_methods() -> list[str]:
    methods = ["card"]
    if backend.has("payments", "create_pix_charge", "pix_charge", "create_pix"):
        methods.insert(0, "pix")
    if backend.has("payments", "create_boleto", "boleto_charge", "issue_boleto"):
        methods.append("boleto")
    return methods


async def _addresses(request: Request, user_id: uuid.UUID) -> list[dict[str, Any]]:
    async with uow_for(request, read_only=True) as uow:
        rows = await backend.try_call("users", ("list_addresses", "addresses_of"), uow, user_id, default=[])
    return rows if isinstance(rows, list) else []


@router.post("/checkout")
async def place_order(request: Request) -> Response:
    form = await form_with_csrf(request)
    principal = await require_user(request)
    idem = str(form.get("idempotency_key") or "")[:100] or secrets.token_urlsafe(16)
    address = {
        "recipient_name": str(form.get("recipient_name") or "").strip()[:200],
        "postal_code": "".join(ch for ch in str(form.get("postal_code") or "") if ch.isdigit()),
        "address_line1": str(form.get("address_line1") or "").strip()[:255],
        "address_line2": str(form.get("address_line2") or "").strip()[:255] or None,
        "city": str(form.get("city") or "").strip()[:100],
        "state": str(form.get("state") or "").strip().upper()[:2],
        "country": "BR",
    }
    method = str(form.get("payment_method") or "card")
    payment: dict[str, Any] = {"method": method}
    if method == "card":
        payment.update(
            card_number="".join(ch for ch in str(form.get("card_number") or "") if ch.isdigit()),
            card_holder=str(form.get("card_holder") or "")[:100],
            card_expiry=str(form.get("card_expiry") or "")[:7],
            card_cvv=str(form.get("card_cvv") or "")[:4],
            installments=int(str(form.get("installments") or "1"))
            if str(form.get("installments") or "1").isdigit()
            else 1,
        )
    errors = _check_address(address)
    if errors:
        cart = await load_cart(request)
        return render(
            request,
            "store/checkout.html",
            status_code=422,
            cart=cart,
            items=(cart or {}).get("items") or [],
            addresses=await _addresses(request, principal.user_id),
            methods=_payment_methods(),
            form={**address, "payment_method": method},
            errors=errors,
            idempotency_key=idem,
            max_installments=_max_installments(cart or {}),
            flashes=[("error", next(iter(errors.values())))],
        )
    async with uow_for(request) as uow:
        order = await backend.call(
            "orders",
            CHECKOUT,
            uow,
            shipping_address=address,
            address=address,
            payment=payment,
            payment_method=method,
            coupon=str(form.get("coupon") or "") or None,
            idempotency_key=idem,
            **_owner(request),
        )
        await uow.commit()
    order_id = order.get("id") if isinstance(order, dict) else None
    if backend.has("payments", *PAY) and order_id:
        async with uow_for(request) as uow:
            await backend.call(
                "payments", PAY, uow, order_id=order_id, principal=principal, idempotency_key=f"{idem}:pay", **payment
            )
            await uow.commit()
    return redirect(f"/pedido/{order_id}")


def _check_address(a: dict[str, Any]) -> dict[str, str]:
    errors = {}
    if len(a["postal_code"]) != 8:
        errors["postal_code"] = "CEP inválido (8 dígitos)."
    if not a["address_line1"]:
        errors["address_line1"] = "Informe o endereço."
    if not a["city"]:
        errors["city"] = "Informe a cidade."
    if len(a["state"]) != 2:
        errors["state"] = "Informe a UF (2 letras)."
    return errors


@router.get("/pedido/{order_id}")
async def order_page(request: Request, order_id: uuid.UUID) -> Response:
    principal = await require_user(request)
    async with uow_for(request, read_only=True) as uow:
        order = await backend.call("orders", GET_ORDER, uow, order_id, user_id=principal.user_id, principal=principal)
        payment = await backend.try_call("payments", PAYMENT_OF, uow, order_id, order_id=order_id, default=None)
    if isinstance(payment, list):
        payment = payment[-1] if payment else None
    return render(request, "store/order.html", order=order, payment=payment, flashes=flashes(request))
