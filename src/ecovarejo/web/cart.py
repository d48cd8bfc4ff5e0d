"""Cart, checkout, order confirmation and "my orders" pages over the orders context's HTTP API.

A guest's cart lives under the ``ev_cart`` cookie (the orders API's own guest cookie name), passed to
the API as ``X-Cart-ID``; once the visitor signs in, the API merges that cart into theirs and the
cookie is dropped. Checkout calls the orders context's one checkout (``orders.public.checkout``, the
same as REST and GraphQL) with the key from a hidden field minted with the form, so a double submit
places one order.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from ecovarejo.core.auth import Authenticator, Principal
from ecovarejo.core.errors import DomainError, InvalidInput, NotFound
from ecovarejo.orders import public as orders
from ecovarejo.payments import public as payments

from . import b2b_terms, i18n, nfe_pages, problems
from . import shipping as ship
from .inproc import ApiError, api, exists
from .pages import PageRoute, flashes, form_with_csrf, principal_of, redirect, require_user
from .security import cookie_secure
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

CART_COOKIE = "ev_cart"
CART_HEADER = "x-cart-id"
UFS = "AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split()


def _guest(request: Request) -> str | None:
    value = request.cookies.get(CART_COOKIE)
    if value and len(value) <= 64 and all(ch.isalnum() or ch in "-_" for ch in value):
        return value
    return None


def _headers(request: Request) -> dict[str, str]:
    guest = _guest(request)
    return {CART_HEADER: guest} if guest else {}


def _keep_cart_cookie(request: Request, response: Response, cart: dict[str, Any] | None) -> None:
    """Remember a new guest cart; forget the guest cookie once the API merged it into the account's."""
    signed_in = getattr(request.state, "web_principal", None) is not None
    if signed_in and _guest(request):
        response.delete_cookie(CART_COOKIE, path="/", secure=cookie_secure(request), httponly=True, samesite="lax")
        return
    new_id = (cart or {}).get("cart_id")
    if not signed_in and new_id and new_id != _guest(request):
        response.set_cookie(
            CART_COOKIE,
            str(new_id),
            max_age=30 * 86400,
            httponly=True,
            secure=cookie_secure(request),
            samesite="lax",
            path="/",
        )


async def load_cart(request: Request, state: str | None = None) -> dict[str, Any] | None:
    if not exists(request, "/api/v1/cart"):
        return None
    await principal_of(request)
    if getattr(request.state, "web_principal", None) is None and not _guest(request):
        return {"items": [], "summary": {}, "coupons": [], "problems": []}
    cart: dict[str, Any] = await api(request, "GET", "/api/v1/cart", params={"state": state}, headers=_headers(request))
    return cart


async def cart_count(request: Request) -> int:
    try:
        cart = await load_cart(request)
    except DomainError:
        return 0
    return sum(int(i.get("quantity") or 0) for i in (cart or {}).get("items") or [])


def _qty(value: Any, *, minimum: int = 0) -> int:
    try:
        q = int(str(value).strip())
    except ValueError as exc:
        raise InvalidInput("quantity must be a whole number", code="invalid_quantity") from exc
    if not minimum <= q <= 99:
        raise InvalidInput(f"quantity must be between {minimum} and 99", code="invalid_quantity")
    return q


def _sku(value: Any) -> str:
    sku = str(value or "").strip()
    if not sku or len(sku) > 64:
        raise InvalidInput("choose a product variant", code="invalid_sku")
    return sku


@router.get("/carrinho")
async def cart_page(request: Request) -> Response:
    await principal_of(request)
    cart = await load_cart(request)
    items = (cart or {}).get("items") or []
    cep = ship.clean_cep(request.query_params.get("cep"))
    response = render(
        request,
        "store/cart.html",
        shipping=await ship.options(request, cep, items, cart=cart),
        shipping_available=ship.available(request),
        cart=cart or {},
        summary=(cart or {}).get("summary") or {},
        lines=items,
        cart_count=sum(int(i.get("quantity") or 0) for i in items),
        unavailable=cart is None,
        flashes=flashes(request) + _problems(request, cart),
    )
    _keep_cart_cookie(request, response, cart)
    return response


def _problems(request: Request, cart: dict[str, Any] | None) -> list[tuple[str, str]]:
    return [("error", str(p.get("detail") or p.get("code"))) for p in (cart or {}).get("problems") or []]


@router.post("/carrinho/itens")
async def add_to_cart(request: Request) -> Response:
    form = await form_with_csrf(request)
    await principal_of(request)
    sku = _sku(form.get("sku"))
    quantity = _qty(form.get("quantity") or 1, minimum=1)
    cart = await api(
        request, "POST", "/api/v1/cart/items", json={"sku": sku, "quantity": quantity}, headers=_headers(request)
    )
    response = redirect("/carrinho?ok=added_to_cart")
    _keep_cart_cookie(request, response, cart)
    return response


@router.post("/carrinho/itens/{sku}")
async def update_cart_item(request: Request, sku: str) -> Response:
    form = await form_with_csrf(request)
    await principal_of(request)
    sku = _sku(sku)
    if form.get("remove"):
        cart = await api(request, "DELETE", f"/api/v1/cart/items/{quote(sku, safe='')}", headers=_headers(request))
    else:
        quantity = _qty(form.get("quantity"))
        cart = await api(
            request,
            "PUT",
            f"/api/v1/cart/items/{quote(sku, safe='')}",
            json={"quantity": quantity},
            headers=_headers(request),
        )
    response = redirect("/carrinho")
    _keep_cart_cookie(request, response, cart)
    return response


@router.post("/carrinho/cupom")
async def apply_coupon(request: Request) -> Response:
    form = await form_with_csrf(request)
    await principal_of(request)
    code = str(form.get("coupon") or "").strip()[:40]
    if not code:
        raise InvalidInput("type a coupon code", code="invalid_coupon")
    target = "/checkout" if form.get("next") == "/checkout" else "/carrinho"
    try:
        cart = await api(request, "POST", "/api/v1/cart/coupons", json={"code": code}, headers=_headers(request))
    except ApiError as exc:
        if exc.status >= 500 or exc.status == 401:
            raise
        return redirect(f"{target}?err=coupon_refused")
    response = redirect(f"{target}?ok=coupon_applied")
    _keep_cart_cookie(request, response, cart)
    return response


@router.post("/carrinho/cupom/remover")
async def remove_coupon(request: Request) -> Response:
    form = await form_with_csrf(request)
    await principal_of(request)
    code = str(form.get("coupon") or "").strip()[:40]
    target = "/checkout" if form.get("next") == "/checkout" else "/carrinho"
    cart = await api(request, "DELETE", f"/api/v1/cart/coupons/{quote(code, safe='')}", headers=_headers(request))
    response = redirect(f"{target}?ok=coupon_removed")
    _keep_cart_cookie(request, response, cart)
    return response


# -- checkout ----------------------------------------------------------------------------------
async def _addresses(request: Request) -> list[dict[str, Any]]:
    """The signed-in customer's saved addresses: the one chosen (``?endereco=<id>``) first, else the default."""
    if getattr(request.state, "web_principal", None) is None:
        return []
    try:
        rows = await api(request, "GET", "/api/v1/users/addresses")
    except ApiError:
        return []
    principal = request.state.web_principal
    if getattr(principal, "company_id", None) is not None:  # the company's addresses, shared by its members
        try:
            shared = (await api(request, "GET", "/api/v1/users/company/addresses")).get("items") or []
        except ApiError:
            shared = []
        rows = [*(rows or []), *({**a, "is_default": False, "company": True} for a in shared)]
    chosen = request.query_params.get("endereco")
    return sorted(rows or [], key=lambda a: (str(a.get("id")) != chosen, not a.get("is_default")))


async def _loyalty_balance(request: Request) -> int | None:
    """The signed-in customer's eco-loyalty points (``None`` for guests or when the users API says no)."""
    if getattr(request.state, "web_principal", None) is None:
        return None
    try:
        data = await api(request, "GET", "/api/v1/users/loyalty", params={"limit": 1})
    except ApiError:
        return None
    balance = data.get("balance") if isinstance(data, dict) else None
    return balance if isinstance(balance, int) else None


async def _plan(request: Request, total: Any) -> list[payments.InstallmentOption]:
    """The interest-free instalments offered for ``total`` (the tenant's plan)."""
    try:
        amount = Decimal(str(total))
    except (InvalidOperation, ValueError):
        return []
    if amount <= 0:
        return []
    container = request.app.state.container
    return payments.checkout_plan(amount, await payments.installment_policy(container, request.state.tenant.id))


async def _checkout_page(
    request: Request,
    cart: dict[str, Any],
    addresses: list[dict[str, Any]],
    *,
    form: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
    idempotency_key: str | None = None,
    messages: list[tuple[str, str]] | None = None,
    shipping: dict[str, Any] | None = None,
    email_taken: bool = False,
) -> Response:
    summary = cart.get("summary") or {}
    default = addresses[0] if addresses else {}
    shipping = shipping or {"cep": "", "options": [], "error": None}
    terms = await b2b_terms.credit(request)  # an approved company's buyer may also pay "Faturado"
    prefill = {
        "recipient": default.get("recipient_name") or "",
        "postal_code": default.get("postal_code") or "",
        "street": default.get("address_line1") or "",
        "number": "",
        "complement": default.get("address_line2") or "",
        "district": default.get("district") or "",
        "city": default.get("city") or "",
        "state": default.get("state") or "",
        **{k: v for k, v in form.items() if v not in (None, "")},
    }
    return render(
        request,
        "store/checkout.html",
        status_code=status_code,
        cart=cart,
        summary=summary,
        lines=cart.get("items") or [],
        form=prefill,
        errors=errors,
        ufs=UFS,
        shipping=shipping,
        shipping_available=ship.available(request),
        methods=["card", "pix", "boleto", *(["invoice"] if terms else [])],
        terms=terms,
        card_form=payments.card_form(request.app.state.container),
        installments=await _plan(request, summary.get("total")),
        addresses=addresses,
        loyalty_balance=await _loyalty_balance(request),
        guest=getattr(request.state, "web_principal", None) is None,
        email_taken=email_taken,
        idempotency_key=idempotency_key or secrets.token_urlsafe(18),
        cart_count=sum(int(i.get("quantity") or 0) for i in cart.get("items") or []),
        flashes=messages if messages is not None else flashes(request),
    )


@router.get("/checkout")
async def checkout_page(request: Request) -> Response:
    """Signed in or as a guest (e-mail and CPF; the account can get a password afterwards)."""
    await principal_of(request)
    state = (request.query_params.get("uf") or "").upper()[:2] or None
    addresses = await _addresses(request)
    if state is None and addresses:
        state = str(addresses[0].get("state") or "")[:2].upper() or None
    cep = ship.clean_cep(request.query_params.get("cep") or (addresses[0].get("postal_code") if addresses else ""))
    form: dict[str, Any] = {"state": state or "", "postal_code": cep}
    if cep and ship.available(request):  # the CEP fills the address and prices the delivery
        found = await ship.lookup(request, cep)
        form.update({k: found.get(k) for k in ("street", "district", "city") if found.get(k)})
        if found.get("state"):
            state = form["state"] = str(found["state"])
    cart = await load_cart(request, state if state in UFS else None)
    if not cart or not cart.get("items"):
        return redirect("/carrinho")
    shipping = await ship.options(request, cep, cart.get("items") or [], cart=cart)
    response = await _checkout_page(request, cart, addresses, form=form, errors={}, shipping=shipping)
    _keep_cart_cookie(request, response, cart)
    return response


FIELD_NAMES = {"source": "card", "card_token": "card", "payment": "card"}
GUEST_FIELDS = ("first_name", "last_name", "email", "cpf")


def _s(form: Any, key: str, size: int) -> str:
    return str(form.get(key) or "").strip()[:size]


async def _guest_sign_up(request: Request, form: Any, t: Any, errors: dict[str, str]) -> tuple[Principal | None, bool]:
    """A guest's account (no password they know: "Esqueci minha senha" gives them one), signed in for
    this checkout; ``(None, email_taken)`` with ``errors`` filled when it cannot be made."""
    body = {
        "email": _s(form, "email", 320),
        "password": secrets.token_urlsafe(32),
        "first_name": _s(form, "first_name", 100),
        "last_name": _s(form, "last_name", 100),
        "cpf": _s(form, "cpf", 14),
        "locale": "en" if i18n.negotiate(request) == "en" else "pt-BR",
        "accept_terms": form.get("accept_terms") == "on",
        "accept_privacy": form.get("accept_privacy") == "on",
    }
    for name in GUEST_FIELDS:
        if not body[name]:
            errors[name] = t("err_required")
    if not (body["accept_terms"] and body["accept_privacy"]):
        errors["accept_terms"] = t("err_consent_required")
    if errors:
        return None, False
    try:
        await api(request, "POST", "/api/v1/auth/register", json=body, anonymous=True)
        tokens = await api(
            request,
            "POST",
            "/api/v1/auth/login",
            json={"email": body["email"], "password": body["password"]},
            anonymous=True,
        )
        authenticator = request.app.state.container.ports.get(Authenticator)
        principal: Principal = await authenticator.authenticate(tokens["access_token"], request.state.tenant.id)
    except ApiError as exc:
        if exc.status >= 500:
            raise
        # registering an e-mail that has an account answers as if it worked (no account enumeration;
        # its owner gets an e-mail), so the sign-in with our random password is what fails
        if exc.code in ("email_taken", "invalid_credentials"):
            errors["email"] = t("err_email_taken")
            return None, True
        if exc.code == "invalid_cpf":
            errors["cpf"] = t("err_invalid_cpf")
        errors.update(problems.field_errors(t, exc.extra.get("errors") or []))
        if not errors:
            errors["_"] = problems.problem_message(t, exc.code)
        return None, False
    request.state.refreshed_tokens = tokens  # the page's response sets the session cookies
    request.state.web_principal = principal
    return principal, False


#: Refusals (403) the checkout page explains in the form rather than as an error page.
SHOWN_REFUSALS = frozenset({"approval_required", "terms_not_approved", "invoice_overdue"})


@router.post("/checkout")
async def place_order(request: Request) -> Response:
    form = await form_with_csrf(request)
    principal = await principal_of(request)
    t = i18n.translator(i18n.negotiate(request))
    idem = "".join(ch for ch in str(form.get("idempotency_key") or "") if ch.isalnum() or ch in "-_")[:100]
    address = {
        "recipient": str(form.get("recipient") or "").strip()[:200],
        "street": str(form.get("street") or "").strip()[:200],
        "number": str(form.get("number") or "").strip()[:20],
        "complement": str(form.get("complement") or "").strip()[:100] or None,
        "district": str(form.get("district") or "").strip()[:100] or None,
        "city": str(form.get("city") or "").strip()[:100],
        "state": str(form.get("state") or "").strip().upper()[:2],
        "postal_code": str(form.get("postal_code") or "").strip()[:9],
    }
    method = str(form.get("payment_method") or "card")
    if method not in ("card", "pix", "boleto", "invoice"):
        method = "card"
    token = str(form.get("card_token") or "").strip()[:4096]
    errors: dict[str, str] = {}
    if form.get("card_number"):  # a typed number never reaches the checkout (an old page or a forged post)
        errors["card"] = t("err_card_number_not_accepted")
    elif method == "card" and not token:
        errors["card"] = t("err_card_required")
    points = str(form.get("loyalty_points") or "").strip()
    if points and not points.isdigit():
        errors["loyalty_points"] = t("points_invalid")
    count = str(form.get("installments") or "1").strip()
    installments = int(count) if count.isdigit() and 1 <= int(count) <= 12 else 1
    body = {
        "shipping_address": address,
        "payment": {
            "method": method,
            "source": token if method == "card" else "",
            "installments": installments if method == "card" else 1,
        },
        "eco_packaging": form.get("eco_packaging", "off") == "on",
        "loyalty_points": int(points) if points.isdigit() else 0,
    }
    po_number = str(form.get("po_number") or "").strip()[:60]
    if po_number:  # the company buyer's purchase-order number (on the order, its invoice and NF-e)
        body["po_number"] = po_number
    chosen = str(form.get("shipping_option") or "")[:4000]
    if chosen:  # without one (no CEP typed), the orders context prices shipping by state as before
        body["shipping_option"] = chosen
    try:
        checkout_in = orders.CheckoutIn.model_validate(body)
    except ValidationError as exc:
        errors.update({k: v for k, v in problems.field_errors(t, exc.errors(), FIELD_NAMES).items() if k not in errors})
        checkout_in = None
    email_taken = False
    if principal is None and not errors:
        principal, email_taken = await _guest_sign_up(request, form, t, errors)
    elif principal is None:
        for name in GUEST_FIELDS:  # report the guest's missing fields along with the others
            if not _s(form, name, 320):
                errors.setdefault(name, t("err_required"))
    spent = False  # an attempt that reached the payment: the next one gets a key of its own
    if not errors and principal is not None and checkout_in is not None:
        # the same checkout as POST /api/v1/orders and GraphQL: limits, cart, coupons, points, idempotency
        await load_cart(request)  # a guest's cart joins the new account's first
        try:
            command = orders.CheckoutCommand(
                tenant_id=request.state.tenant.id,
                principal=principal,
                cart_owner=orders.owner_key(principal.user_id, None) or "",
                idempotency_key=idem or secrets.token_urlsafe(18),
                order=checkout_in,
                client_ip=request.client.host if request.client else None,
            )
            result = await orders.checkout(request.app.state.container, command)
        except DomainError as exc:
            if exc.status >= 500 or (exc.status in (401, 403) and exc.code not in SHOWN_REFUSALS):
                raise
            spent = True
            if exc.code == "payment_declined":
                decline = str(exc.extra.get("decline_code") or "")
                errors["card" if method == "card" else "_"] = _decline_message(t, decline)
            else:
                errors.update(problems.field_errors(t, exc.extra.get("errors") or [], FIELD_NAMES))
                if not errors:
                    errors["card" if exc.code == "payment_unavailable" and method == "card" else "_"] = (
                        problems.problem_message(t, exc.code)
                    )
        else:
            challenge = (result.order.model_extra or {}).get("next_action_url")
            if challenge:  # 3-D Secure: to the issuer's page; back at /checkout/autenticacao (cart kept)
                return redirect(str(challenge))
            placed = redirect(f"/pedido/{result.order.id}?ok=order_placed")
            _keep_cart_cookie(request, placed, None)
            return placed
    cart = await load_cart(request, address["state"] if address["state"] in UFS else None) or {}
    shown = {
        **address,
        **{name: _s(form, name, 320) for name in GUEST_FIELDS},
        "accept_terms": form.get("accept_terms") == "on",
        "accept_privacy": form.get("accept_privacy") == "on",
        "payment_method": method,
        "po_number": po_number,
        "loyalty_points": points,
        "installments": installments,
        "eco_packaging": "on" if body["eco_packaging"] else "off",
    }
    shipping = await ship.options(request, ship.clean_cep(address["postal_code"]), cart.get("items") or [], cart=cart)
    messages = [("error", m) for m in dict.fromkeys(errors.values())][:3]
    if spent and "card" in errors:
        messages.append(("info", t("retry_payment")))
    response = await _checkout_page(
        request,
        cart,
        await _addresses(request),
        form=shown,
        errors=errors,
        status_code=422,
        # a refused attempt is over (nothing was charged): retrying with another card or method must not
        # replay it, so the form gets a new key; an untouched attempt keeps its key (double submits)
        idempotency_key=None if spent else (idem or None),
        messages=messages,
        shipping=shipping,
        email_taken=email_taken,
    )
    _keep_cart_cookie(request, response, cart)
    return response


def _decline_message(t: Any, decline: str) -> str:
    key = f"decline_{decline}"
    text = str(t(key))
    return text if text != key else str(t("err_payment_declined"))


@router.get("/pedido/{order_id}")
async def order_page(request: Request, order_id: uuid.UUID) -> Response:
    await require_user(request)
    order = await api(request, "GET", f"/api/v1/orders/{order_id}")
    shipments: list[dict[str, Any]] = []
    if exists(request, "/api/v1/shipping/orders/"):
        try:
            shipments = (await api(request, "GET", f"/api/v1/shipping/orders/{order_id}/tracking")).get("items") or []
        except ApiError:
            shipments = []
    nfe = await nfe_pages.order_nfe(request, str(order_id))
    return render(request, "store/order.html", order=order, shipments=shipments, nfe=nfe, flashes=flashes(request))


@router.get("/pedido/{order_id}/boleto.pdf")
async def boleto_pdf(request: Request, order_id: uuid.UUID) -> Response:
    """The order's pending boleto as a PDF with its barcode (404 when it has none)."""
    await require_user(request)
    order = await api(request, "GET", f"/api/v1/orders/{order_id}")
    for p in order.get("payments") or []:
        if p.get("method") == "boleto" and p.get("boleto_line") and p.get("status") == "pending":
            due = str(p.get("expires_at") or "")[:10]
            address = order.get("shipping_address") or {}
            pdf = payments.boleto_pdf(
                payments.BoletoDocument(
                    line=str(p["boleto_line"]),
                    amount=Decimal(str(p.get("amount") or order.get("total_amount"))),
                    due=date.fromisoformat(due) if due else date.today(),
                    beneficiary=str(request.state.tenant.name),
                    payer=str(address.get("recipient") or ""),
                    reference=str(order.get("order_number") or order_id),
                )
            )
            return Response(
                pdf,
                media_type="application/pdf",
                headers={
                    "content-disposition": f'inline; filename="boleto-{order.get("order_number") or order_id}.pdf"',
                    "cache-control": "no-store",
                },
            )
    raise NotFound("this order has no boleto to pay", code="no_boleto")


@router.post("/pedido/{order_id}/cancelar")
async def cancel_order(request: Request, order_id: uuid.UUID) -> Response:
    """The customer cancels before fulfilment; the orders context returns the stock and the money."""
    form = await form_with_csrf(request)
    await require_user(request)
    reason = str(form.get("reason") or "").strip()[:500] or "cancelled by the customer"
    await api(request, "POST", f"/api/v1/orders/{order_id}/cancel", json={"reason": reason})
    return redirect(f"/pedido/{order_id}?ok=order_cancelled")


@router.get("/conta/pedidos")
async def my_orders(request: Request) -> Response:
    await require_user(request)
    data = await api(
        request, "GET", "/api/v1/orders", params={"limit": 20, "cursor": request.query_params.get("cursor")}
    )
    cursor = data.get("next_cursor")
    return render(
        request,
        "account/orders.html",
        orders=data.get("items") or [],
        next_url=f"/conta/pedidos?cursor={cursor}" if cursor else None,
        flashes=flashes(request),
    )
