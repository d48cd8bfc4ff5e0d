"""Quote (RFQ) pages over the b2b quotes API: the company buyer asks from the cart (``/conta/cotacoes``),
answers a sent quote and buys an accepted one through the orders context's one checkout; staff price
and send quotes at ``/admin/cotacoes`` (MFA, ``manage_orders``)."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from ecovarejo.core.errors import DomainError
from ecovarejo.orders import public as orders

from . import i18n, problems
from .admin import form_text, page, staff
from .cart import load_cart
from .inproc import ApiError, api
from .pages import FLASH_IDS, PageRoute, flashes, form_with_csrf, redirect, require_user
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
MINE = "/api/v1/b2b/quotes"
STAFF = "/api/v1/admin/b2b/quotes"
STATUSES = ("requested", "sent", "negotiating", "accepted", "rejected", "expired", "ordered")
UFS = ("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO").split()
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def _err(exc: ApiError | DomainError) -> str:
    """A problem's message id for ``?err=``: the quote pages explain these codes in both languages."""
    status = exc.status
    if status >= 500 or status == 401:
        raise exc
    return f"quote_err_{exc.code}" if f"quote_err_{exc.code}" in QUOTE_CODES else "quote_err_generic"


QUOTE_CODES = {
    f"quote_err_{c}"
    for c in ("quote_expired", "quote_not_open", "quote_not_found", "quote_unpriced", "invalid_price",
              "invalid_valid_until", "quote_not_editable", "insufficient_stock", "message_required",
              "company_required", "no_items", "invalid_quantity", "product_not_found", "quote_already_ordered",
              "quote_not_accepted", "credit_limit_exceeded", "terms_not_approved", "invoice_overdue",
              "approval_required", "generic", "unknown_line", "text_too_long")
}  # fmt: skip


# -- the buyer ----------------------------------------------------------------------------------------


@router.post("/conta/cotacoes")
async def request_from_cart(request: Request) -> Response:
    """The cart's lines (with the quantities the buyer typed) and a note become a quote request."""
    form = await form_with_csrf(request)
    await require_user(request)
    cart = await load_cart(request) or {}
    lines = []
    for item in cart.get("items") or []:
        raw = str(form.get(f"qty_{item['sku']}") or item["quantity"]).strip()
        lines.append({"sku": item["sku"], "quantity": int(raw) if raw.isdigit() else 0})
    try:
        quote = await api(request, "POST", MINE, json={"lines": lines, "note": form_text(form, "note", 2000) or None})
    except ApiError as exc:
        return redirect(f"/carrinho?err={_err(exc)}")
    return redirect(f"/conta/cotacoes/{quote['id']}?ok=quote_requested")


@router.get("/conta/cotacoes")
async def my_quotes(request: Request) -> Response:
    await require_user(request)
    try:
        data = await api(request, "GET", MINE)
    except ApiError as exc:
        if exc.code != "company_required":
            raise
        data = {"items": []}
    return render(request, "account/quotes.html", quotes=data["items"], flashes=flashes(request))


@router.get("/conta/cotacoes/{quote_id}")
async def my_quote(request: Request, quote_id: uuid.UUID) -> Response:
    await require_user(request)
    quote = await api(request, "GET", f"{MINE}/{quote_id}")
    return await _quote_page(request, quote)


async def _quote_page(
    request: Request, quote: dict[str, Any], *, status_code: int = 200, form: dict[str, Any] | None = None,
    messages: list[tuple[str, str]] | None = None,
) -> Response:  # fmt: skip
    methods = ["boleto", "pix"]
    try:
        credit = await api(request, "GET", "/api/v1/b2b/credit")
        if credit.get("approved"):
            methods.insert(0, "invoice")
    except ApiError:
        credit = None
    addresses = sorted(
        await api(request, "GET", "/api/v1/users/addresses") or [], key=lambda a: not a.get("is_default")
    )
    a = addresses[0] if addresses else {}
    prefill = {"recipient": a.get("recipient_name") or "", "postal_code": a.get("postal_code") or "",
               "street": a.get("address_line1") or "", "number": "", "city": a.get("city") or "",
               "state": a.get("state") or "", "district": "", "po_number": "", "payment_method": methods[0],
               **(form or {})}  # fmt: skip
    return render(request, "account/quote.html", status_code=status_code, quote=quote, methods=methods,
                  form=prefill, ufs=UFS, idempotency_key=secrets.token_urlsafe(18),
                  flashes=messages if messages is not None else flashes(request))  # fmt: skip


@router.post("/conta/cotacoes/{quote_id}/{action}")
async def answer(request: Request, quote_id: uuid.UUID, action: str) -> Response:
    """aceitar | recusar | negociar (comprar is :func:`buy`)."""
    form = await form_with_csrf(request)
    await require_user(request)
    url = f"/conta/cotacoes/{quote_id}"
    try:
        if action == "aceitar":
            await api(request, "POST", f"{MINE}/{quote_id}/accept")
            return redirect(f"{url}?ok=quote_accepted")
        if action == "recusar":
            await api(
                request, "POST", f"{MINE}/{quote_id}/reject", json={"note": form_text(form, "note", 2000) or None}
            )
            return redirect(f"{url}?ok=quote_rejected")
        if action == "negociar":
            quote = await api(request, "GET", f"{MINE}/{quote_id}")
            lines = []
            for ln in quote["current"]["lines"]:
                raw = str(form.get(f"qty_{ln['sku']}") or "").strip()
                if raw.isdigit() and int(raw) != ln["quantity"]:
                    lines.append({"sku": ln["sku"], "quantity": int(raw)})
            body = {"message": form_text(form, "message", 2000), "lines": lines or None}
            await api(request, "POST", f"{MINE}/{quote_id}/negotiate", json=body)
            return redirect(f"{url}?ok=quote_negotiating")
        if action == "comprar":
            return await buy(request, quote_id, form)
    except ApiError as exc:
        return redirect(f"{url}?err={_err(exc)}")
    return redirect(url)


async def buy(request: Request, quote_id: uuid.UUID, form: Any) -> Response:
    """The accepted quote through the orders context's one checkout, with the PO number and the method."""
    principal = await require_user(request)
    t = i18n.translator(i18n.negotiate(request))
    address = {k: form_text(form, k, 200) for k in ("recipient", "street", "number", "district", "city", "postal_code")}
    address["state"] = form_text(form, "state", 2).upper()
    method = form_text(form, "payment_method", 10)
    if method not in ("invoice", "boleto", "pix"):
        method = "boleto"
    body = {"shipping_address": address, "payment": {"method": method},
            "po_number": form_text(form, "po_number", 60) or None, "quote_id": str(quote_id)}  # fmt: skip
    key = "".join(ch for ch in form_text(form, "idempotency_key", 100) if ch.isalnum() or ch in "-_")
    error: str | None = None
    try:
        command = orders.CheckoutCommand(
            tenant_id=request.state.tenant.id, principal=principal,
            cart_owner=orders.owner_key(principal.user_id, None) or "",
            idempotency_key=key or secrets.token_urlsafe(18),
            order=orders.CheckoutIn.model_validate(body), client_ip=request.client.host if request.client else None,
        )  # fmt: skip
        result = await orders.checkout(request.app.state.container, command)
    except ValidationError as exc:
        error = next(iter(problems.field_errors(t, exc.errors()).values()), t("quote_err_generic"))
    except DomainError as exc:
        if exc.status >= 500 or exc.status == 401:
            raise
        error = t(_err(exc))
    else:
        return redirect(f"/pedido/{result.order.id}?ok=order_placed")
    quote = await api(request, "GET", f"{MINE}/{quote_id}")
    shown = {**address, "po_number": body["po_number"] or "", "payment_method": method}
    return await _quote_page(request, quote, status_code=422, form=shown, messages=[("error", error)])


def _reais(text: str) -> str:
    """``1.234,56`` or ``79,90`` (as typed on a pt-BR page) or ``79.90`` → ``79.90``."""
    if "," in text:
        return text.replace(".", "").replace(",", ".")
    return text


QUOTE_OK = {"quote_requested", "quote_accepted", "quote_rejected", "quote_negotiating", "quote_saved", "quote_sent"}
FLASH_IDS.update(QUOTE_OK | QUOTE_CODES)  # ?ok= / ?err= ids the pages may show


# -- staff --------------------------------------------------------------------------------------------


@router.get("/admin/cotacoes")
async def queue(request: Request) -> Response:
    principal = await staff(request, "manage_orders")
    status = request.query_params.get("status", "")
    data = await api(request, "GET", STAFF, params={"status": status if status in STATUSES else None})
    return page(request, "admin/quotes.html", principal, "quotes_title", quotes=data["items"], statuses=STATUSES,
                status=status, flashes=flashes(request))  # fmt: skip


@router.get("/admin/cotacoes/{quote_id}")
async def staff_quote(request: Request, quote_id: uuid.UUID) -> Response:
    principal = await staff(request, "manage_orders")
    quote = await api(request, "GET", f"{STAFF}/{quote_id}")
    return page(request, "admin/quote.html", principal, "quotes_title", quote=quote, flashes=flashes(request))


@router.post("/admin/cotacoes/{quote_id}")
async def staff_save(request: Request, quote_id: uuid.UUID) -> Response:
    """Save the prices and terms; with ``send`` set, send the quote too."""
    form = await form_with_csrf(request)
    await staff(request, "manage_orders")
    url = f"/admin/cotacoes/{quote_id}"
    quote = await api(request, "GET", f"{STAFF}/{quote_id}")
    lines = []
    for ln in quote["current"]["lines"]:
        price = _reais(form_text(form, f"price_{ln['sku']}", 20))
        qty = form_text(form, f"qty_{ln['sku']}", 7)
        line: dict[str, Any] = {"sku": ln["sku"]}
        if price:
            line["unit_price"] = price
        if qty.isdigit():
            line["quantity"] = int(qty)
        lines.append(line)
    body: dict[str, Any] = {"lines": lines, "payment_terms": form_text(form, "payment_terms", 60) or None,
                            "terms_note": form_text(form, "terms_note", 1000) or None}  # fmt: skip
    valid = form_text(form, "valid_until", 10)
    if valid:
        try:  # the last moment of that day in São Paulo
            day = datetime.strptime(valid, "%Y-%m-%d").date()
        except ValueError:
            return redirect(f"{url}?err=quote_err_invalid_valid_until")
        body["valid_until"] = datetime.combine(day, time(23, 59, 59), SAO_PAULO).isoformat()
    try:
        await api(request, "PUT", f"{STAFF}/{quote_id}", json=body)
        if form.get("send"):
            await api(request, "POST", f"{STAFF}/{quote_id}/send")
            return redirect(f"{url}?ok=quote_sent")
    except ApiError as exc:
        return redirect(f"{url}?err={_err(exc)}")
    return redirect(f"{url}?ok=quote_saved")
