"""Admin panel: customers and companies, orders (status, cancel, refund), coupons, payments,
notification messages and the event dead letters."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.core.errors import InvalidInput
from ecovarejo.privacy import public as privacy

from . import admin_order_nfe, admin_shipping, i18n
from .admin import decimal_text, form_text, page, page_url, staff
from .inproc import ApiError, api, exists
from .pages import PageRoute, form_with_csrf, redirect, uow_for
from .templating import brl, local_dt

router = APIRouter(route_class=PageRoute, include_in_schema=False)


# -- customers and companies -------------------------------------------------------------------
@router.get("/admin/clientes")
async def customers(request: Request) -> Response:
    principal = await staff(request, "manage_users")
    q = (request.query_params.get("q") or "").strip()[:100]
    user_type = request.query_params.get("user_type") or None
    if user_type not in (None, "customer", "supplier", "admin"):
        user_type = None
    data = await api(
        request,
        "GET",
        "/api/v1/admin/users",
        params={"q": q, "user_type": user_type, "cursor": request.query_params.get("cursor"), "limit": 50},
    )
    # the users API recorded the read in the privacy audit log (``staff_read.search``)
    t = i18n.translator(i18n.negotiate(request))
    rows = [
        {
            **u,
            "name": f"{u.get('first_name', '')} {u.get('last_name', '')}".strip(),
            "user_type": t(f"user_type_{u.get('user_type')}"),
            "active": t("yes") if u.get("is_active") else t("no"),
            "mfa": t("yes") if u.get("mfa_enabled") else t("no"),
            "can_deactivate": u.get("is_active") and str(u.get("id")) != str(principal.user_id),
            "can_activate": not u.get("is_active"),
        }
        for u in data.get("items") or []
    ]
    return page(
        request,
        "admin/customers.html",
        principal,
        "customers",
        rows=rows,
        q=q,
        user_type=user_type,
        columns=[
            ("email", t("email")),
            ("name", t("name")),
            ("user_type", t("user_type")),
            ("active", t("active")),
            ("mfa", "MFA"),
            ("sustainability_score", t("score")),
        ],
        links={"email": "/admin/clientes/{id}"},
        row_actions=[
            {"action": "/admin/clientes/{id}/desativar", "label": t("deactivate"), "when": "can_deactivate"},
            {"action": "/admin/clientes/{id}/ativar", "label": t("activate"), "when": "can_activate"},
        ],
        next_url=page_url(request, data.get("next_cursor"), q=q, user_type=user_type),
    )


@router.get("/admin/clientes/{user_id}")
async def customer_detail(request: Request, user_id: uuid.UUID) -> Response:
    """One customer's contact and, for staff who may manage orders, their orders (newest first)."""
    principal = await staff(request, "manage_users")
    customer = await api(request, "GET", f"/api/v1/admin/users/{user_id}")
    async with uow_for(request) as uow:  # staff reading a customer's personal data is audited (LGPD)
        await privacy.audit(
            uow, "personal_data.read", actor=f"user:{principal.user_id}", purpose="customer administration",
            details={"users": [str(user_id)]},
        )  # fmt: skip
        await uow.commit()
    lang = i18n.negotiate(request)
    orders: list[dict[str, Any]] | None = None
    next_url = None
    if principal.can("manage_orders") and exists(request, "/api/v1/admin/orders"):
        params = {"user_id": str(user_id), "cursor": request.query_params.get("cursor"), "limit": 25}
        data = await api(request, "GET", "/api/v1/admin/orders", params=params)
        orders = [
            {
                **o,
                "created": local_dt(o.get("created_at"), lang=lang),
                "status_label": i18n.status_label(lang, o.get("status")),
                "total": brl(o.get("total_amount")),
            }
            for o in data.get("items") or []
        ]
        next_url = page_url(request, data.get("next_cursor"))
    t = i18n.translator(lang)
    return page(
        request,
        "admin/customer.html",
        principal,
        "customer_detail",
        customer=customer,
        user_type_label=t(f"user_type_{customer.get('user_type')}"),
        orders=orders,
        next_url=next_url,
    )


@router.post("/admin/clientes/{user_id}/{action}")
async def customer_action(request: Request, user_id: uuid.UUID, action: str) -> Response:
    await form_with_csrf(request)
    await staff(request, "manage_users")
    verb = {"ativar": "activate", "desativar": "deactivate"}.get(action)
    if verb is None:
        raise InvalidInput("unknown action", code="unknown_action")
    await api(request, "POST", f"/api/v1/admin/users/{user_id}/{verb}")
    return redirect("/admin/clientes?ok=saved")


@router.get("/admin/empresas")
async def companies(request: Request) -> Response:
    """B2B buyers grouped by company (the users API lists accounts with their ``company_id``)."""
    principal = await staff(request, "manage_users")
    t = i18n.translator(i18n.negotiate(request))
    data = await api(request, "GET", "/api/v1/admin/users", params={"limit": 200})
    groups: dict[str, list[str]] = defaultdict(list)
    for u in data.get("items") or []:
        if u.get("company_id"):
            groups[str(u["company_id"])].append(str(u.get("email")))
    rows = [{"id": cid, "company_id": cid, "members": ", ".join(m)} for cid, m in groups.items()]
    columns = [("company_id", t("company")), ("members", t("buyers"))]
    return page(request, "admin/table.html", principal, "companies", rows=rows, columns=columns)


# -- orders ------------------------------------------------------------------------------------
ORDER_NEXT = {
    "paid": ["fulfilling"],
    "fulfilling": ["shipped"],
    "shipped": ["delivered"],
    "return_requested": ["returned", "delivered"],
}


@router.get("/admin/pedidos")
async def orders(request: Request) -> Response:
    principal = await staff(request, "manage_orders")
    if not exists(request, "/api/v1/admin/orders"):
        return page(request, "admin/table.html", principal, "orders", unavailable=True, rows=[], columns=[])
    status = request.query_params.get("status") or None
    number = (request.query_params.get("number") or "").strip()[:20] or None
    data = await api(
        request,
        "GET",
        "/api/v1/admin/orders",
        params={"status": status, "q": number, "cursor": request.query_params.get("cursor"), "limit": 50},
    )
    lang = i18n.negotiate(request)
    t = i18n.translator(lang)
    flagged = await admin_order_nfe.flagged_notes(request)  # a rejected NF-e leaves its order paid: say so
    rows = [
        {
            **o,
            "nfe_flag": "⚠ " + t(f"nfe_status_{flagged[str(o.get('id'))]}") if str(o.get("id")) in flagged else None,
            "created": local_dt(o.get("created_at"), lang=lang),
            "status_label": i18n.status_label(lang, o.get("status")),
            "total": brl(o.get("total_amount")),
            "co2": f"{o.get('carbon_footprint')} kg",
        }
        for o in data.get("items") or []
    ]
    return page(
        request,
        "admin/orders.html",
        principal,
        "orders",
        rows=rows,
        status=status,
        number=number,
        columns=[
            ("order_number", t("code")),
            ("created", t("date")),
            ("status_label", t("status")),
            ("total", t("total")),
            ("co2", t("carbon_footprint")),
            ("nfe_flag", "NF-e"),
        ],
        links={"order_number": "/admin/pedidos/{id}"},
        next_url=page_url(request, data.get("next_cursor"), status=status, number=number),
    )


#: Services staff may pick when shipping (carrier:service); the customer's choice is the default.
CARRIER_SERVICES = [
    ("", "shipping_as_chosen"),
    ("table_rate:standard", "Entrega padrão"),
    ("table_rate:express", "Entrega expressa"),
    ("table_rate:green", "Entrega verde"),
    ("correios:03298", "Correios PAC"),
    ("correios:03220", "Correios SEDEX"),
    ("melhorenvio:3", "Melhor Envio · Jadlog .Package"),
]


@router.get("/admin/pedidos/{order_id}")
async def order_detail(request: Request, order_id: uuid.UUID) -> Response:
    principal = await staff(request, "manage_orders")
    order = await api(request, "GET", f"/api/v1/admin/orders/{order_id}")
    customer: dict[str, Any] | None = None
    if principal.can("manage_users"):  # contact details: staff who may see customers
        try:
            customer = await api(request, "GET", f"/api/v1/admin/users/{order.get('user_id')}")
        except ApiError:
            customer = None
        if customer is not None:
            async with uow_for(request) as uow:  # staff reading a customer's personal data is audited (LGPD)
                await privacy.audit(
                    uow, "personal_data.read", actor=f"user:{principal.user_id}", purpose="order fulfilment",
                    details={"users": [str(order.get("user_id"))], "order": str(order_id)},
                )  # fmt: skip
                await uow.commit()
    return page(
        request,
        "admin/order.html",
        principal,
        "orders",
        order=order,
        customer=customer,
        next_statuses=ORDER_NEXT.get(str(order.get("status")), []),
        can_refund=principal.can("handle_payments"),
        shipments=await admin_shipping.shipments_of(request, str(order_id)),
        carrier_services=CARRIER_SERVICES,
        nfe=await admin_order_nfe.nfe_of(request, str(order_id)),
    )


@router.post("/admin/pedidos/{order_id}/situacao")
async def order_status(request: Request, order_id: uuid.UUID) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_orders")
    body = {
        "status": form_text(form, "status", 50),
        "reason": form_text(form, "reason", 500) or None,
        "carrier": form_text(form, "carrier", 60) or None,
        "tracking_code": form_text(form, "tracking_code", 100) or None,
    }
    await api(request, "POST", f"/api/v1/admin/orders/{order_id}/status", json=body)
    return redirect(f"/admin/pedidos/{order_id}?ok=saved")


@router.post("/admin/pedidos/{order_id}/cancelar")
async def order_cancel(request: Request, order_id: uuid.UUID) -> Response:
    form = await form_with_csrf(request)
    await staff(request, "manage_orders")
    await api(
        request, "POST", f"/api/v1/admin/orders/{order_id}/cancel", json={"reason": form_text(form, "reason", 500)}
    )
    return redirect(f"/admin/pedidos/{order_id}?ok=saved")


@router.post("/admin/pedidos/{order_id}/reembolsar")
async def order_refund(request: Request, order_id: uuid.UUID) -> Response:
    """Refund all (empty amount) or part; the form's key makes a double submit refund once."""
    form = await form_with_csrf(request)
    await staff(request, "handle_payments")
    raw = decimal_text(form_text(form, "amount", 20))
    body: dict[str, Any] = {"reason": form_text(form, "reason", 500) or "refund by staff"}
    if raw:
        try:
            amount = Decimal(raw)
        except ArithmeticError as exc:
            raise InvalidInput("amount must be a number", code="invalid_amount") from exc
        if not amount.is_finite() or amount <= 0:
            raise InvalidInput("amount must be positive", code="invalid_amount")
        body["amount"] = str(amount)
    key = form_text(form, "idempotency_key", 100) or f"web-{uuid.uuid4()}"
    if form.get("confirm") != "yes":  # a confirmation step: what will be refunded, then the real request
        principal = await staff(request, "handle_payments")
        order = await api(request, "GET", f"/api/v1/admin/orders/{order_id}")
        left = Decimal(str(order.get("total_amount") or 0)) - Decimal(str(order.get("refunded_amount") or 0))
        return page(
            request,
            "admin/refund_confirm.html",
            principal,
            "orders",
            order=order,
            amount=body.get("amount") or str(left),
            full=not raw,
            reason=body["reason"],
            idempotency_key=key,
        )
    await api(request, "POST", f"/api/v1/admin/orders/{order_id}/refund", json=body, headers={"Idempotency-Key": key})
    return redirect(f"/admin/pedidos/{order_id}?ok=refund_done")


# -- payments ----------------------------------------------------------------------------------
PAYMENTS_PAGE_ORDERS = 25


@router.get("/admin/pagamentos")
async def payments(request: Request) -> Response:
    """The payments of the most recent orders (the payments context has no listing of its own yet),
    with method, gateway, status and the authorized, captured and refunded amounts."""
    principal = await staff(request, "handle_payments")
    t = i18n.translator(i18n.negotiate(request))
    if not exists(request, "/api/v1/admin/orders") or not principal.can("manage_orders"):
        return page(request, "admin/table.html", principal, "payments", unavailable=True, rows=[], columns=[])
    status = request.query_params.get("status") or None
    listing = await api(
        request,
        "GET",
        "/api/v1/admin/orders",
        params={"limit": PAYMENTS_PAGE_ORDERS, "cursor": request.query_params.get("cursor")},
    )
    lang = i18n.negotiate(request)
    rows: list[dict[str, Any]] = []
    for o in listing.get("items") or []:
        detail = await api(request, "GET", f"/api/v1/admin/orders/{o['id']}")
        for pay in detail.get("payments") or []:
            if status and pay.get("status") != status:
                continue
            rows.append(
                {
                    "id": o["id"],
                    "order_number": o.get("order_number"),
                    "created": local_dt(o.get("created_at"), lang=lang),
                    "method": t("pay_" + str(pay.get("method")))
                    if pay.get("method") in ("card", "pix")
                    else pay.get("method"),
                    "gateway": pay.get("gateway"),
                    "status": i18n.status_label(lang, pay.get("status")),
                    "authorized": brl(pay.get("authorized_amount") or 0),
                    "captured": brl(pay.get("captured_amount") or 0),
                    "refunded": brl(pay.get("refunded_amount") or 0),
                    "card": f"****{pay['card_last4']}" if pay.get("card_last4") else "—",
                }
            )
    columns = [
        ("order_number", t("orders")),
        ("created", t("date")),
        ("method", t("method")),
        ("gateway", "Gateway"),
        ("status", t("status")),
        ("authorized", t("authorized")),
        ("captured", t("captured")),
        ("refunded", t("refunded")),
        ("card", t("card")),
    ]
    return page(
        request,
        "admin/table.html",
        principal,
        "payments",
        rows=rows,
        columns=columns,
        links={"order_number": "/admin/pedidos/{id}"},
        next_url=page_url(request, listing.get("next_cursor"), status=status),
    )


# -- notifications and dead letters ------------------------------------------------------------
@router.get("/admin/notificacoes")
async def notifications(request: Request) -> Response:
    """Messages of every channel (with their delivery status; failed ones can be retried) and the
    local e-mail outbox folder of the embedded mode."""
    principal = await staff(request, "admin")
    if not exists(request, "/api/v1/admin/notifications"):
        return page(request, "admin/notifications.html", principal, "notifications", unavailable=True)
    status = request.query_params.get("status") or None
    data = await api(
        request,
        "GET",
        "/api/v1/admin/notifications/messages",
        params={"status": status, "cursor": request.query_params.get("cursor"), "limit": 50},
    )
    try:
        outbox = await api(request, "GET", "/api/v1/admin/notifications/outbox", params={"limit": 50})
    except ApiError as exc:
        if exc.status != 404:
            raise
        outbox = None
    return page(
        request,
        "admin/notifications.html",
        principal,
        "notifications",
        messages=data.get("items") or [],
        status=status,
        outbox=(outbox or {}).get("items") if outbox is not None else None,
        next_url=page_url(request, data.get("next_cursor"), status=status),
    )


@router.post("/admin/notificacoes/{message_id}/reenviar")
async def notification_retry(request: Request, message_id: uuid.UUID) -> Response:
    await form_with_csrf(request)
    await staff(request, "admin")
    await api(request, "POST", f"/api/v1/admin/notifications/messages/{message_id}/retry")
    return redirect("/admin/notificacoes?ok=saved")


@router.get("/admin/notificacoes/caixa/{name}")
async def outbox_message(request: Request, name: str) -> Response:
    principal = await staff(request, "admin")
    message = await api(request, "GET", f"/api/v1/admin/notifications/outbox/{quote(name, safe='')}")
    return page(request, "admin/outbox_message.html", principal, "notifications", message=message)


@router.get("/admin/eventos")
async def dead_letters(request: Request) -> Response:
    """Events whose consumer gave up after its retries, this tenant only (the events API), each with
    "replay" (through the consumer's normal path, once-only) and "discard"; both audited."""
    principal = await staff(request, "admin")
    lang = i18n.negotiate(request)
    t = i18n.translator(lang)
    if not exists(request, "/api/v1/admin/events"):
        return page(request, "admin/deadletters.html", principal, "dead_letters", unavailable=True, rows=[], columns=[])
    show_resolved = request.query_params.get("resolved") == "1"
    data = await api(
        request,
        "GET",
        "/api/v1/admin/events/dead-letters",
        params={"include_resolved": "true" if show_resolved else None, "limit": 200},
    )
    opened = (
        data["items"]
        if not show_resolved
        else (await api(request, "GET", "/api/v1/admin/events/dead-letters", params={"limit": 200}))["items"]
    )
    rows = [
        {
            "id": d["id"],
            "created": local_dt(d.get("created_at"), lang=lang),
            "consumer": d["consumer"],
            "type": d["type"],
            "topic": d["topic"],
            "event_id": str(d["event_id"]),
            "attempts": d["attempts"],
            "error": _last_line(d.get("error") or "")[:300],
            "state": t("open_one") if d.get("resolved_at") is None else t("resolved"),
            "open": d.get("resolved_at") is None,
            "replayable": d.get("resolved_at") is None and d.get("replayable"),
        }
        for d in data.get("items") or []
    ]
    columns = [
        ("created", t("created")),
        ("consumer", t("consumer")),
        ("type", t("event_type")),
        ("event_id", t("event_id")),
        ("attempts", t("attempts")),
        ("error", t("error_message")),
        ("state", t("status")),
    ]
    return page(
        request,
        "admin/deadletters.html",
        principal,
        "dead_letters",
        rows=rows,
        columns=columns,
        open_count=len(opened),
        row_actions=[
            {"action": "/admin/eventos/{id}/reprocessar", "label": t("replay"), "when": "replayable", "cls": "primary"},
            {"action": "/admin/eventos/{id}/descartar", "label": t("discard"), "when": "open"},
        ],
    )


def _last_line(text: str) -> str:
    """A traceback's last line says what failed."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


@router.post("/admin/eventos/{letter_id}/reprocessar")
async def replay_dead_letter(request: Request, letter_id: uuid.UUID) -> Response:
    """Replay after fixing the cause; a consumer that fails again leaves the letter open (and says so)."""
    await form_with_csrf(request)
    await staff(request, "admin")
    try:
        await api(request, "POST", f"/api/v1/admin/events/dead-letters/{letter_id}/replay")
    except ApiError as exc:
        if exc.status != 409:
            raise
        return redirect("/admin/eventos?err=dead_letter_replay_failed")
    return redirect("/admin/eventos?ok=dead_letter_replayed")


@router.post("/admin/eventos/{letter_id}/descartar")
@router.post("/admin/eventos/{letter_id}/resolver")  # the former name of discarding
async def discard_dead_letter(request: Request, letter_id: uuid.UUID) -> Response:
    """Give the event up for good (its effect will never happen); only this tenant's letters."""
    await form_with_csrf(request)
    await staff(request, "admin")
    await api(request, "POST", f"/api/v1/admin/events/dead-letters/{letter_id}/discard")
    return redirect("/admin/eventos?ok=dead_letter_discarded")
