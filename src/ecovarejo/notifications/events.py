"""Event consumers: the directory and consent from ``user-events``, and one message per event that
warrants one. Each consumer is idempotent through the kernel's inbox; messages are also unique per
(event, template, channel, address), and they are sent only after the consumer's transaction commits."""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.errors import DomainError
from ecovarejo.core.events import Event
from ecovarejo.core.personal_data import ERASED_EVENT, erase_subject
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from . import service
from .channels.outbox import OutboxFolderChannel
from .personal_data import DECLARATION
from .ports import CompanyJoinRequests, SignInDevices
from .runtime import NotificationRuntime, runtime_of
from .service import Request

log = structlog.get_logger("ecovarejo.notifications")

SECURITY_KINDS = {
    "user.signed_in": "new_sign_in",
    "user.password_changed": "password_changed",
    "user.mfa_enabled": "mfa_enabled",
    "user.mfa_disabled": "mfa_disabled",
    "user.registration_attempted": "account_exists",
    "user.company_registration_attempted": "company_exists",
}

ORDER_TEMPLATES = {
    "order.placed": "order_confirmation",
    "order.paid": "payment_confirmed",
    "order.cancelled": "order_cancelled",
    "order.shipped": "order_shipped",
    "order.delivered": "order_delivered",
    "order.refunded": "order_refunded",
}
#: Order updates the customer may also want on their phone (when they turned that channel on).
ORDER_EXTRA_CHANNELS = {
    "order.shipped": ("push", "sms", "whatsapp"),
    "order.delivered": ("push",),
    "order.paid": ("push",),
    "order.placed": ("push",),
}


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


async def on_user_event(rt: NotificationRuntime, uow: UnitOfWork, event: Event) -> None:
    d = event.data
    user_id = _uuid(d.get("user_id"))
    if user_id is None:
        log.warning("event_without_user", type=event.type, event_id=str(event.id))
        return
    if event.type in ("user.registered", "user.updated"):
        await service.upsert_recipient(
            uow,
            user_id,
            email=d.get("email"),
            phone=d.get("phone"),
            first_name=d.get("first_name"),
            locale=d.get("locale"),
            user_type=d.get("user_type"),
        )
        if event.type == "user.registered" and d.get("marketing_opt_in"):
            await service.record_marketing_consent(
                uow, user_id, granted=True, policy_version="registration", at=event.time, only_if_unknown=True
            )
        return
    if event.type == "user.consent_changed":
        if d.get("purpose") == "marketing":
            await service.record_marketing_consent(
                uow,
                user_id,
                granted=bool(d.get("granted")),
                policy_version=d.get("policy_version"),
                at=event.time,
                email=d.get("email"),
            )
        return
    common: dict[str, Any] = {
        "user_id": user_id,
        "to_email": d.get("email"),
        "locale": d.get("locale"),
        "event_id": event.id,
    }
    ctx: dict[str, Any] = {"first_name": d.get("first_name")}
    if event.type == "user.email_verification_requested":
        req = Request(template="email_verification", context={**ctx, **_pick(d, "verify_url", "expires_at")}, **common)
    elif event.type == "user.password_reset_requested":
        req = Request(template="password_reset", context={**ctx, **_pick(d, "reset_url", "expires_at")}, **common)
    elif event.type in SECURITY_KINDS:
        if event.type == "user.signed_in" and not d.get("new_device"):
            return
        context = {
            **ctx,
            "kind": SECURITY_KINDS[event.type],
            "when": event.time.isoformat(),
            **_pick(d, "ip", "user_agent", "requester_email", "company"),  # (events of before: ids since)
        }
        join_id = _uuid(d.get("join_request_id"))
        joins = rt.ports.find(CompanyJoinRequests) if rt.ports is not None else None
        if event.type == "user.company_registration_attempted" and join_id is not None and joins is not None:
            context["requester_email"] = await joins.requester_email(uow, join_id)
        session_id = _uuid(d.get("session_id"))
        devices = rt.ports.find(SignInDevices) if rt.ports is not None else None
        if event.type == "user.signed_in" and session_id is not None and devices is not None:
            device = await devices.sign_in_device(uow, user_id, session_id)
            if device is not None:
                context["ip"], context["user_agent"] = device
        req = Request(template="security_alert", context=context, channels=("email", "push"), **common)
    else:
        return
    await service.request_notification(uow, rt, req)


async def on_order_event(rt: NotificationRuntime, uow: UnitOfWork, event: Event) -> None:
    d = event.data
    template = ORDER_TEMPLATES.get(event.type)
    if template is None:
        return
    order_path = f"/account/orders/{d.get('order_id')}"
    context = {
        "first_name": d.get("first_name"),
        "order_id": d.get("order_id"),
        "order_number": d.get("order_number"),
        "total": d.get("total"),
        "currency": d.get("currency", "BRL"),
        "carbon_footprint_kg": d.get("carbon_footprint_kg"),
        "sustainability_score": d.get("sustainability_score"),
        "items": d.get("items") or [],
        "amount": d.get("amount") or d.get("total"),
        "carrier": d.get("carrier"),
        "tracking_code": d.get("tracking_code"),
        "tracking_url": d.get("tracking_url"),
        "url": order_path,
    }
    await service.request_notification(
        uow,
        rt,
        Request(
            template=template,
            context=context,
            user_id=_uuid(d.get("user_id")),
            to_email=d.get("email"),  # envelopes of before ids-only events (docs/events.md)
            locale=d.get("locale"),
            channels=("email", *ORDER_EXTRA_CHANNELS.get(event.type, ())),
            event_id=event.id,
            order_id=_uuid(d.get("order_id")),
        ),
    )


async def on_payment_event(rt: NotificationRuntime, uow: UnitOfWork, event: Event) -> None:
    if event.type != "payment.pending":
        return
    d = event.data
    context = {
        **_pick(d, "first_name", "order_number", "method", "amount", "expires_at"),
        "pix_copy_paste": d.get("pix_copy_paste"),
        "boleto_line": d.get("boleto_line"),
        "url": f"/account/orders/{d.get('order_id')}",
    }
    await service.request_notification(
        uow,
        rt,
        Request(
            template="payment_pending",
            context=context,
            user_id=_uuid(d.get("user_id")),
            to_email=d.get("email"),  # envelopes of before ids-only events
            locale=d.get("locale"),
            channels=("email", "push", "whatsapp"),
            event_id=event.id,
            order_id=_uuid(d.get("order_id")),
        ),
    )


async def on_stock_event(rt: NotificationRuntime, uow: UnitOfWork, event: Event) -> None:
    d = event.data
    await service.notify_back_in_stock(
        uow, rt, product_id=_uuid(d.get("product_id")), sku=d.get("sku"), cause=str(event.id)
    )


async def on_product_event(rt: NotificationRuntime, uow: UnitOfWork, event: Event) -> None:
    d = event.data
    supplier_id = _uuid(d.get("supplier_id"))
    if supplier_id is None:
        log.warning("certification_without_supplier", event_id=str(event.id))
        return
    await service.request_notification(
        uow,
        rt,
        Request(
            template="certification_expiring",
            context=_pick(d, "name", "sku", "certification", "expiry"),
            user_id=supplier_id,
            event_id=event.id,
        ),
    )


async def on_notification_request(rt: NotificationRuntime, uow: UnitOfWork, event: Event) -> None:
    """The generic "send this" request of other contexts; a malformed one is recorded nowhere and logged."""
    d = event.data
    if "template" not in d:
        return  # our own notification.unsubscribed, or another context's non-request event
    channel = d.get("channel") or "email"
    try:
        req = Request(
            template=str(d["template"]),
            context=dict(d.get("context") or {}),
            user_id=_uuid(d.get("to_user_id")),
            to_email=d.get("to_email"),
            locale=d.get("locale"),
            channels=tuple(channel) if isinstance(channel, list) else (str(channel),),
            category=d.get("category"),
            event_id=event.id,
            order_id=_uuid(d.get("order_id")),  # a guest's contact: the order's snapshot
        )
        async with uow.session.begin_nested():  # all of the request's messages, or none
            await service.request_notification(uow, rt, req)
    except DomainError as exc:
        log.warning("notification_request_refused", event_id=str(event.id), reason=exc.detail)
    except Exception as exc:  # a template missing context: nothing would ever change by retrying
        from jinja2 import TemplateError

        if not isinstance(exc, TemplateError):
            raise
        log.warning("notification_request_unrenderable", event_id=str(event.id), reason=str(exc))


async def on_user_erased(rt: NotificationRuntime, uow: UnitOfWork, event: Event) -> None:
    """LGPD erasure: the directory entry becomes a tombstone (nothing is sent again), messages, preferences
    and subscriptions go, and so do the embedded mail folder's copies."""
    user_id = _uuid(event.data.get("user_id"))
    if user_id is None or uow.tenant_id is None:
        return
    tenant_id = uow.tenant_id
    message_ids = await repo.email_message_ids(uow, user_id)
    await erase_subject(uow.session, DECLARATION, user_id)
    await service.mark_erased(uow, user_id)
    mail = rt.channels.get("email")
    if isinstance(mail, OutboxFolderChannel) and message_ids:
        uow.after_commit(lambda: mail.forget(tenant_id, message_ids))


def _pick(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: d.get(k) for k in keys}


def consumers(container: Container) -> list[Consumer]:
    def bind(fn: Any) -> Any:
        async def handler(uow: UnitOfWork, event: Event) -> None:
            await fn(runtime_of(container), uow, event)

        return handler

    return [
        Consumer("notifications.users", ("user-events",), bind(on_user_event)),
        Consumer("notifications.orders", ("order-events",), bind(on_order_event), frozenset(ORDER_TEMPLATES)),
        Consumer("notifications.payments", ("payment-events",), bind(on_payment_event), frozenset({"payment.pending"})),
        Consumer("notifications.stock", ("inventory-events",), bind(on_stock_event), frozenset({"stock.replenished"})),
        Consumer(
            "notifications.certifications",
            ("product-events",),
            bind(on_product_event),
            frozenset({"certification.expiring"}),
        ),
        Consumer("notifications.requests", ("notification",), bind(on_notification_request)),
        Consumer("notifications.erasure", ("user-events",), bind(on_user_erased), frozenset({ERASED_EVENT})),
    ]
