"""HTTP API: preferences, Web Push and back-in-stock subscriptions, one-click unsubscribe, and the admin's
view of messages (dead letters) and of the embedded mode's email outbox."""

from __future__ import annotations

import html as html_lib
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError

from ecovarejo.core.auth import Principal, current_principal, require_role
from ecovarejo.core.container import Container
from ecovarejo.core.errors import InvalidInput, NotFound
from ecovarejo.core.http import get_container, get_read_uow, get_tenant, get_uow
from ecovarejo.core.outbound import policy_of
from ecovarejo.core.tenancy import TenantInfo
from ecovarejo.core.uow import UnitOfWork

from . import service
from .models import STATUSES
from .rendering import normalize_locale
from .runtime import NotificationRuntime, runtime_of
from .schemas import (
    MessageOut,
    MessagePage,
    OutboxEntryOut,
    OutboxMessageOut,
    OutboxPage,
    PreferencesIn,
    PreferencesOut,
    PushSubscriptionIn,
    PushSubscriptionOut,
    PushUnsubscribeIn,
    ReceiptIn,
    StockSubscriptionIn,
    StockSubscriptionOut,
    UnsubscribeOut,
    VapidKeyOut,
)
from .tokens import read_unsubscribe_token

router = APIRouter(prefix="/api/v1", tags=["notifications"])
Admin = Annotated[Principal, Depends(require_role("admin"))]
User = Annotated[Principal, Depends(current_principal)]


def _rt(container: Annotated[Container, Depends(get_container)]) -> NotificationRuntime:
    return runtime_of(container)


Runtime = Annotated[NotificationRuntime, Depends(_rt)]

# -- the signed-in user ---------------------------------------------------------------------------


@router.get("/notifications/preferences", response_model=PreferencesOut)
async def get_preferences(user: User, uow: UnitOfWork = Depends(get_read_uow)) -> dict[str, object]:
    return await service.get_preferences(uow, user.user_id)


@router.put("/notifications/preferences", response_model=PreferencesOut)
async def put_preferences(body: PreferencesIn, user: User, uow: UnitOfWork = Depends(get_uow)) -> dict[str, object]:
    out = await service.set_preferences(uow, user.user_id, dict(body.channels))
    await uow.commit()
    return out


@router.get("/notifications/push/vapid-public-key", response_model=VapidKeyOut)
async def vapid_public_key(rt: Runtime) -> VapidKeyOut:
    """The ``applicationServerKey`` for ``PushManager.subscribe()``."""
    if not rt.vapid_public_key:
        raise NotFound("Web Push is not configured", code="push_disabled")
    return VapidKeyOut(public_key=rt.vapid_public_key)


@router.post("/notifications/push-subscriptions", response_model=PushSubscriptionOut, status_code=201)
async def add_push_subscription(
    body: PushSubscriptionIn, user: User, rt: Runtime, uow: UnitOfWork = Depends(get_uow)
) -> PushSubscriptionOut:
    endpoint = service.check_push_endpoint(str(body.endpoint), local_ok=rt.settings.env.startswith(("dev", "test")))
    await policy_of(rt.settings).check(endpoint)  # resolved: no push to our own network (core/outbound.py)
    sub = await service.subscribe_push(
        uow, user.user_id, endpoint=endpoint, p256dh=body.keys.p256dh, auth=body.keys.auth
    )
    await uow.commit()
    return PushSubscriptionOut.model_validate(sub)


@router.get("/notifications/push-subscriptions", response_model=list[PushSubscriptionOut])
async def list_push_subscriptions(user: User, uow: UnitOfWork = Depends(get_read_uow)) -> list[PushSubscriptionOut]:
    return [PushSubscriptionOut.model_validate(s) for s in await service.list_push_subscriptions(uow, user.user_id)]


@router.post("/notifications/push-subscriptions/delete", status_code=204)
async def delete_push_subscription(body: PushUnsubscribeIn, user: User, uow: UnitOfWork = Depends(get_uow)) -> Response:
    await service.unsubscribe_push(uow, user.user_id, str(body.endpoint))
    await uow.commit()
    return Response(status_code=204)


@router.post("/notifications/stock-subscriptions", response_model=StockSubscriptionOut, status_code=201)
async def add_stock_subscription(
    body: StockSubscriptionIn, user: User, uow: UnitOfWork = Depends(get_uow)
) -> StockSubscriptionOut:
    sub = await service.subscribe_back_in_stock(
        uow, user.user_id, product_id=body.product_id, sku=body.sku, product_name=body.product_name
    )
    await uow.commit()
    return StockSubscriptionOut.model_validate(sub)


@router.get("/notifications/stock-subscriptions", response_model=list[StockSubscriptionOut])
async def list_stock_subscriptions(user: User, uow: UnitOfWork = Depends(get_read_uow)) -> list[StockSubscriptionOut]:
    return [StockSubscriptionOut.model_validate(s) for s in await service.list_stock_subscriptions(uow, user.user_id)]


@router.delete("/notifications/stock-subscriptions/{sub_id}", status_code=204)
async def delete_stock_subscription(sub_id: uuid.UUID, user: User, uow: UnitOfWork = Depends(get_uow)) -> Response:
    await service.cancel_stock_subscription(uow, user.user_id, sub_id)
    await uow.commit()
    return Response(status_code=204)


# -- one-click unsubscribe (no sign-in) -------------------------------------------------------------

_PAGE = {
    "pt-BR": (
        "Cancelar inscrição",
        "Não quer mais receber nossas mensagens de marketing?",
        "Cancelar inscrição",
        "Pronto: você não receberá mais mensagens de marketing por este canal.",
    ),
    "en": (
        "Unsubscribe",
        "Don't want our marketing messages any more?",
        "Unsubscribe",
        "Done: you will no longer receive marketing messages on this channel.",
    ),
}


def _page(request: Request, body: str) -> HTMLResponse:
    loc = normalize_locale(request.headers.get("accept-language"))
    title = _PAGE[loc][0]
    return HTMLResponse(
        f'<!DOCTYPE html><html lang="{loc}"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
        f"<title>{title}</title></head><body>{body}</body></html>",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@router.get("/notifications/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_page(request: Request, rt: Runtime, token: Annotated[str, Query(max_length=512)]) -> HTMLResponse:
    """A confirmation page: a GET never unsubscribes (link scanners follow links), its button POSTs."""
    read_unsubscribe_token(rt.secret(), token)
    loc = normalize_locale(request.headers.get("accept-language"))
    _, question, button, _ = _PAGE[loc]
    action = f"?token={html_lib.escape(token)}"
    return _page(
        request,
        f'<p>{question}</p><form method="post" action="{action}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">{button}</button></form>',
    )


@router.post("/notifications/unsubscribe", response_model=UnsubscribeOut)
async def unsubscribe(
    request: Request,
    container: Annotated[Container, Depends(get_container)],
    rt: Runtime,
    token: Annotated[str, Query(max_length=512)],
) -> Response:
    """RFC 8058 one-click unsubscribe (``List-Unsubscribe=One-Click`` POSTed by the mail client)."""
    claims = read_unsubscribe_token(rt.secret(), token)
    async with container.uow(claims.tenant_id, actor="unsubscribe-link") as uow:
        await service.unsubscribe(uow, claims)
        await uow.commit()
    if "text/html" in request.headers.get("accept", ""):
        return _page(request, f"<p>{_PAGE[normalize_locale(request.headers.get('accept-language'))][3]}</p>")
    return JSONResponse(UnsubscribeOut(unsubscribed=True, channel=claims.channel).model_dump())


# -- provider delivery receipts (signed, no sign-in) ---------------------------------------------------


@router.post("/notifications/providers/{channel}/receipts", status_code=204)
async def provider_receipt(
    channel: Literal["sms", "whatsapp"],
    request: Request,
    container: Annotated[Container, Depends(get_container)],
    rt: Runtime,
) -> Response:
    """Delivery receipts from the SMS/WhatsApp provider, signed with the channel's webhook secret."""
    body = await request.body()
    secret = rt.config.sms_webhook_secret if channel == "sms" else rt.config.whatsapp_webhook_secret
    service.check_receipt_signature(secret, body, request.headers.get("x-signature"))
    try:
        receipt = ReceiptIn.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidInput("not a delivery receipt", code="invalid_receipt") from exc
    async with container.uow(None, actor=f"provider:{channel}") as uow:
        await service.record_receipt(uow, channel, receipt.reference, receipt.status == "delivered", receipt.error)
        await uow.commit()
    return Response(status_code=204)


# -- admin ------------------------------------------------------------------------------------------


@router.get("/admin/notifications/messages", response_model=MessagePage)
async def admin_messages(
    admin: Admin,
    uow: UnitOfWork = Depends(get_read_uow),
    status: Annotated[str | None, Query(description="e.g. dead: the dead-letter list")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> MessagePage:
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"unknown status {status!r}", code="unknown_status")
    try:
        before = uuid.UUID(cursor) if cursor else None
    except ValueError as exc:
        raise InvalidInput("bad cursor", code="invalid_cursor") from exc
    rows = await service.list_messages(uow, status=status, before=before, limit=limit)
    items = [MessageOut.model_validate(m) for m in rows]
    return MessagePage(items=items, next_cursor=str(rows[-1].id) if len(rows) == limit else None)


@router.post("/admin/notifications/messages/{message_id}/retry", response_model=MessageOut)
async def admin_retry(
    message_id: uuid.UUID, admin: Admin, rt: Runtime, uow: UnitOfWork = Depends(get_uow)
) -> MessageOut:
    msg = await service.retry_message(uow, rt, message_id)
    await uow.commit()
    return MessageOut.model_validate(msg)


@router.get("/admin/notifications/outbox", response_model=OutboxPage)
async def admin_outbox(
    admin: Admin,
    rt: Runtime,
    tenant: Annotated[TenantInfo, Depends(get_tenant)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> OutboxPage:
    entries = service.outbox_entries(rt, tenant.id, limit=limit, before=cursor)
    items = [OutboxEntryOut(**e.__dict__) for e in entries]
    return OutboxPage(items=items, next_cursor=entries[-1].name if len(entries) == limit else None)


@router.get("/admin/notifications/outbox/{name}", response_model=OutboxMessageOut)
async def admin_outbox_message(
    name: str, admin: Admin, rt: Runtime, tenant: Annotated[TenantInfo, Depends(get_tenant)]
) -> OutboxMessageOut:
    _, mime = service.outbox_message(rt, tenant.id, name)
    text = mime.get_body(preferencelist=("plain",))
    html = mime.get_body(preferencelist=("html",))
    return OutboxMessageOut(
        name=name,
        headers={k: str(v) for k, v in mime.items()},
        text=text.get_content() if text is not None else None,
        html=html.get_content() if html is not None else None,
    )


@router.get("/admin/notifications/outbox/{name}/raw")
async def admin_outbox_raw(
    name: str, admin: Admin, rt: Runtime, tenant: Annotated[TenantInfo, Depends(get_tenant)]
) -> Response:
    raw, _ = service.outbox_message(rt, tenant.id, name)
    return Response(raw, media_type="message/rfc822", headers={"Content-Disposition": f'attachment; filename="{name}"'})
