"""Business rules of the notification context: who gets what, on which channel, in which language.

Other contexts may call :func:`request_notification` (or emit a ``notification`` event) to ask for a
message; everything else here is fed by events and this context's own API.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from ecovarejo.core.container import Container
from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .channels.outbox import OutboxEntry, OutboxFolderChannel
from .models import (
    CATEGORIES,
    CHANNELS,
    NotificationMessage,
    Preference,
    PushSubscription,
    Recipient,
    StockSubscription,
)
from .ports import Resolved, resolve
from .rendering import TEMPLATES, normalize_locale
from .runtime import NotificationRuntime, runtime_of
from .tokens import UnsubscribeClaims, make_unsubscribe_token

#: Whether a channel is on when the user said nothing. SMS and WhatsApp cost the user attention (and
#: us money): they are opt-in; a push subscription is itself the opt-in.
CHANNEL_DEFAULTS = {"email": True, "sms": False, "whatsapp": False, "push": True}

# -- directory, consent, preferences -------------------------------------------------------------


async def mark_erased(uow: UnitOfWork, user_id: uuid.UUID) -> None:
    """Keep an anonymous tombstone for an erased person so that no later event reaches them."""
    rec = await repo.get_recipient(uow, user_id)
    if rec is None:
        rec = Recipient(user_id=user_id, locale="pt-BR", marketing_consent=False)
        uow.session.add(rec)
    rec.email = rec.phone = rec.first_name = None
    rec.marketing_consent = False
    rec.erased_at = rec.erased_at or utcnow()
    await uow.flush()


async def upsert_recipient(
    uow: UnitOfWork,
    user_id: uuid.UUID,
    *,
    email: str | None = None,
    phone: str | None = None,
    first_name: str | None = None,
    locale: str | None = None,
    user_type: str | None = None,
) -> Recipient:
    rec = await repo.get_recipient(uow, user_id)
    if rec is None:
        rec = Recipient(user_id=user_id, locale=normalize_locale(locale), marketing_consent=False)
        uow.session.add(rec)
    if rec.erased_at is not None:
        return rec  # a late event about an erased person writes nothing back
    if email is not None:
        rec.email = email.strip()[:320] or None
    if phone is not None:
        rec.phone = phone.strip()[:32] or None
    if first_name is not None:
        rec.first_name = first_name.strip()[:100] or None
    if locale:
        rec.locale = normalize_locale(locale)
    if user_type:
        rec.user_type = user_type[:20]
    await uow.flush()
    return rec


async def record_marketing_consent(
    uow: UnitOfWork,
    user_id: uuid.UUID,
    *,
    granted: bool,
    policy_version: str | None,
    at: datetime | None = None,
    email: str | None = None,
    only_if_unknown: bool = False,
) -> Recipient:
    """The latest marketing consent (LGPD): nothing marketing goes out without ``granted``.

    ``only_if_unknown``: a registration's opt-in, which must not override a ledger entry already
    received through ``user.consent_changed``."""
    rec = await upsert_recipient(uow, user_id, email=email)
    if only_if_unknown and rec.marketing_consent_at is not None:
        return rec
    rec.marketing_consent = granted
    rec.marketing_consent_version = (policy_version or "")[:50] or None
    rec.marketing_consent_at = at or utcnow()
    await uow.flush()
    return rec


async def get_preferences(uow: UnitOfWork, user_id: uuid.UUID) -> dict[str, Any]:
    prefs = {p.channel: p.enabled for p in await repo.list_preferences(uow, user_id)}
    rec = await repo.get_recipient(uow, user_id)
    return {
        "channels": {ch: prefs.get(ch, CHANNEL_DEFAULTS[ch]) for ch in CHANNELS},
        "marketing_consent": bool(rec and rec.marketing_consent),
        "locale": rec.locale if rec else None,
    }


async def set_preferences(uow: UnitOfWork, user_id: uuid.UUID, channels: dict[str, bool]) -> dict[str, Any]:
    unknown = set(channels) - set(CHANNELS)
    if unknown:
        raise InvalidInput(f"unknown channel(s): {', '.join(sorted(unknown))}", code="unknown_channel")
    for channel, enabled in channels.items():
        pref = await repo.get_preference(uow, user_id, channel)
        if pref is None:
            uow.session.add(Preference(user_id=user_id, channel=channel, enabled=enabled))
        else:
            pref.enabled = enabled
    await uow.flush()
    return await get_preferences(uow, user_id)


async def unsubscribe(uow: UnitOfWork, claims: UnsubscribeClaims) -> None:
    """One-click unsubscribe: marketing on that channel stops; transactional messages go on."""
    if claims.channel not in CHANNELS:
        raise InvalidInput("the unsubscribe link is not valid", code="invalid_unsubscribe_token")
    pref = await repo.get_preference(uow, claims.user_id, claims.channel)
    already = pref is not None and not pref.enabled
    if pref is None:
        uow.session.add(Preference(user_id=claims.user_id, channel=claims.channel, enabled=False))
    else:
        pref.enabled = False
    await uow.flush()
    if not already:
        uow.emit(
            "notification",
            "notification.unsubscribed",
            {"user_id": str(claims.user_id), "channel": claims.channel, "category": "marketing"},
            subject=f"users/{claims.user_id}",
        )


# -- subscriptions -------------------------------------------------------------------------------


def check_push_endpoint(endpoint: str, *, local_ok: bool = False) -> str:
    """A push service's URL. Our server POSTs to it, so outside development it must be https on a public
    host name: no IP literals, no localhost (no requests into our own network on a user's behalf)."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    bad = len(endpoint) > 1024 or parts.scheme not in ("https", "http") or not host
    if not local_ok:
        try:
            ipaddress.ip_address(host)
            is_ip = True
        except ValueError:
            is_ip = False
        bad = bad or parts.scheme != "https" or is_ip or host == "localhost" or host.endswith((".localhost", ".local"))
        bad = bad or "." not in host or parts.username is not None
    if bad:
        raise InvalidInput("not a push service endpoint", code="invalid_push_endpoint")
    return endpoint


async def subscribe_push(
    uow: UnitOfWork, user_id: uuid.UUID, *, endpoint: str, p256dh: str, auth: str
) -> PushSubscription:
    existing = await repo.get_push_subscription(uow, endpoint)
    if existing is not None:
        # The same browser subscribing again (possibly after another user signed in on it).
        existing.user_id, existing.p256dh, existing.auth = user_id, p256dh, auth
        await uow.flush()
        return existing
    sub = PushSubscription(user_id=user_id, endpoint=endpoint, p256dh=p256dh, auth=auth)
    uow.session.add(sub)
    await uow.flush()
    return sub


async def unsubscribe_push(uow: UnitOfWork, user_id: uuid.UUID, endpoint: str) -> None:
    if not await repo.delete_push_subscription(uow, endpoint, user_id=user_id):
        raise NotFound("no such push subscription", code="push_subscription_not_found")


async def list_push_subscriptions(uow: UnitOfWork, user_id: uuid.UUID) -> list[PushSubscription]:
    return await repo.list_push_subscriptions(uow, user_id)


async def subscribe_back_in_stock(
    uow: UnitOfWork, user_id: uuid.UUID, *, product_id: uuid.UUID, sku: str | None, product_name: str | None
) -> StockSubscription:
    if await repo.get_stock_subscription(uow, user_id, product_id) is not None:
        raise Conflict("already subscribed to this product", code="already_subscribed")
    sub = StockSubscription(user_id=user_id, product_id=product_id, sku=sku, product_name=product_name)
    uow.session.add(sub)
    await uow.flush()
    return sub


async def list_stock_subscriptions(uow: UnitOfWork, user_id: uuid.UUID) -> list[StockSubscription]:
    return await repo.list_stock_subscriptions(uow, user_id)


async def cancel_stock_subscription(uow: UnitOfWork, user_id: uuid.UUID, sub_id: uuid.UUID) -> None:
    sub = await repo.get_stock_subscription_by_id(uow, sub_id)
    if sub is None or sub.user_id != user_id:
        raise NotFound("no such subscription", code="subscription_not_found")
    await repo.delete_stock_subscription(uow, sub)
    await uow.flush()


# -- messages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """What to send: a template with its context, to a user of the directory or a bare address."""

    template: str
    context: dict[str, Any]
    user_id: uuid.UUID | None = None
    to_email: str | None = None
    locale: str | None = None
    channels: tuple[str, ...] = ("email",)
    category: str | None = None
    #: Makes the messages of one cause unique (an event id plus what distinguishes its messages).
    cause: str = ""
    event_id: uuid.UUID | None = None
    #: The order the message is about: its buyer's contact snapshot when the users context does not know them.
    order_id: uuid.UUID | None = None


async def request_notification(uow: UnitOfWork, rt: NotificationRuntime, req: Request) -> list[NotificationMessage]:
    """Record the messages for ``req`` (pending, or suppressed with the reason); the dispatcher sends them
    after this unit of work commits, never for a rolled-back one."""
    if req.template not in TEMPLATES:
        raise InvalidInput(f"unknown template {req.template!r}", code="unknown_template")
    if req.category is not None and req.category not in CATEGORIES:
        raise InvalidInput(f"unknown category {req.category!r}", code="unknown_category")
    bad = set(req.channels) - set(CHANNELS)
    if bad:
        raise InvalidInput(f"unknown channel(s): {', '.join(sorted(bad))}", code="unknown_channel")
    marketing = TEMPLATES[req.template] == "marketing" or req.category == "marketing"
    category = "marketing" if marketing else "transactional"
    rec = await repo.get_recipient(uow, req.user_id) if req.user_id else None
    if rec is not None and rec.erased_at is not None:
        return []  # the person's data was erased (LGPD): nothing more is sent to them
    # Events carry ids, not contact data: the address is resolved now, from the context that owns it.
    who = await resolve(rt.ports, uow, req.user_id, req.order_id) if rt.ports is not None else Resolved()
    if who.erased:
        return []
    locale = normalize_locale(req.locale or who.locale or (rec.locale if rec else None))
    prefs = {p.channel: p.enabled for p in await repo.list_preferences(uow, req.user_id)} if req.user_id else {}
    tenant = await repo.get_tenant(uow, uow.tenant_id) if uow.tenant_id else None
    base_url = f"https://{tenant.domain}" if tenant and tenant.domain else rt.settings.public_url.rstrip("/")
    ctx: dict[str, Any] = {
        "tenant_name": tenant.name if tenant else "EcoVarejo",
        "base_url": base_url,
        **req.context,
        "first_name": who.first_name or req.context.get("first_name") or (rec.first_name if rec else None),
    }
    created: list[NotificationMessage] = []
    for channel in dict.fromkeys(req.channels):
        enabled = prefs.get(channel, CHANNEL_DEFAULTS[channel])
        reason: str | None = None
        if marketing and not (rec and rec.marketing_consent):
            reason = "no_marketing_consent"
        elif not enabled and (marketing or channel != "email"):
            # Transactional email always goes; other channels and all marketing follow the user's choice.
            reason = "channel_disabled"
        elif not rt.channels.enabled(channel):
            reason = "channel_not_configured"
        for address, extra in await _addresses(uow, channel, req, rec, who, marketing=marketing):
            digest = hashlib.sha256(address.encode()).hexdigest()[:32]
            key = f"{req.cause or req.event_id or uuid.uuid4()}:{req.template}:{channel}:{digest}"[:300]
            if await repo.message_by_dedupe_key(uow, key) is not None:
                continue
            msg = _build(rt, uow, req, channel, category, locale, address, extra, ctx, base_url, key, reason)
            uow.session.add(msg)
            created.append(msg)
    await uow.flush()
    if any(m.status == "pending" for m in created):
        uow.after_commit(rt.dispatcher.kick)
    return created


async def _addresses(
    uow: UnitOfWork, channel: str, req: Request, rec: Recipient | None, who: Resolved, *, marketing: bool
) -> list[tuple[str, dict[str, Any]]]:
    if channel == "email":
        if who.known:  # the owner's answer wins: the account's current address (marketing included)
            email = who.email
        else:
            # Marketing goes only to the address the consent was given with (the directory's).
            email = (rec.email if rec else None) if marketing else (req.to_email or (rec.email if rec else None))
        return [(_checked_email(email), {})] if email else []
    if channel in ("sms", "whatsapp"):
        phone = who.phone if who.known else (rec.phone if rec else None)
        return [(phone, {})] if phone else []
    if channel == "push" and req.user_id:
        subs = await repo.list_push_subscriptions(uow, req.user_id)
        return [(s.endpoint, {"keys": {"p256dh": s.p256dh, "auth": s.auth}}) for s in subs]
    return []


def _checked_email(address: str) -> str:
    """A deliverable-looking address, normalised; refused before anything is recorded (and no header
    injection can reach the MIME message)."""
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInput(f"not an email address: {address!r}", code="invalid_email") from exc


def _build(
    rt: NotificationRuntime,
    uow: UnitOfWork,
    req: Request,
    channel: str,
    category: str,
    locale: str,
    address: str,
    extra: dict[str, Any],
    ctx: dict[str, Any],
    base_url: str,
    key: str,
    reason: str | None,
) -> NotificationMessage:
    msg_id = uuid.uuid4()
    headers: dict[str, Any] = dict(extra)
    context = dict(ctx)
    if category == "marketing" and req.user_id and uow.tenant_id:
        token = make_unsubscribe_token(rt.secret(), uow.tenant_id, req.user_id, channel)
        unsubscribe_url = f"{base_url}/api/v1/notifications/unsubscribe?token={token}"
        context["unsubscribe_url"] = unsubscribe_url
        if channel == "email":
            # RFC 8058: mail clients show an unsubscribe button that POSTs to this URL, no sign-in.
            headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    rendered = rt.renderer.render(req.template, locale, context)
    if channel == "email":
        headers["Message-ID"] = f"<{msg_id}@{rt.sender_domain}>"
        headers["Auto-Submitted"] = "auto-generated"
        subject, text, html = rendered.subject, rendered.text, rendered.html
    else:
        subject, text, html = rendered.subject, rendered.short, None
        if req.context.get("url"):
            headers["url"] = str(req.context["url"])
        headers["tag"] = req.template
    return NotificationMessage(
        id=msg_id,
        user_id=req.user_id,
        channel=channel,
        category=category,
        template=req.template,
        locale=locale,
        to_address=address,
        subject=subject[:500],
        body_text=text,
        body_html=html,
        headers=headers,
        status="suppressed" if reason else "pending",
        last_error=reason,
        attempts=0,
        next_attempt_at=utcnow(),
        dedupe_key=key,
        event_id=req.event_id,
    )


async def notify_back_in_stock(
    uow: UnitOfWork, rt: NotificationRuntime, *, product_id: uuid.UUID | None, sku: str | None, cause: str
) -> int:
    """Tell everyone waiting for this product; each subscription fires once."""
    subs = await repo.waiting_for_stock(uow, product_id, sku)
    for sub in subs:
        await request_notification(
            uow,
            rt,
            Request(
                template="back_in_stock",
                context={
                    "product_name": sub.product_name,
                    "sku": sub.sku or sku or "",
                    "product_path": f"/products/{sub.product_id}",
                    "url": f"/products/{sub.product_id}",
                },
                user_id=sub.user_id,
                channels=("email", "push"),
                cause=f"{cause}:{sub.id}",
            ),
        )
        sub.notified_at = utcnow()
    await uow.flush()
    return len(subs)


async def list_messages(
    uow: UnitOfWork, *, status: str | None, before: uuid.UUID | None, limit: int
) -> list[NotificationMessage]:
    return await repo.list_messages(uow, status=status, before=before, limit=limit)


async def retry_message(uow: UnitOfWork, rt: NotificationRuntime, message_id: uuid.UUID) -> NotificationMessage:
    """An admin sends a dead message again (e.g. after fixing the SMTP settings)."""
    msg = await repo.get_message(uow, message_id)
    if msg is None:
        raise NotFound("no such message", code="message_not_found")
    if msg.status != "dead":
        raise Conflict("only dead messages can be retried", code="message_not_dead")
    msg.status, msg.attempts, msg.next_attempt_at, msg.last_error = "pending", 0, utcnow(), None
    await uow.flush()
    uow.after_commit(rt.dispatcher.kick)
    return msg


# -- the embedded mode's email outbox (admin) ----------------------------------------------------------


def local_outbox(rt: NotificationRuntime) -> OutboxFolderChannel:
    """The outbox folder adapter; :class:`NotFound` when email goes over SMTP (for the admin API and panel)."""
    adapter = rt.channels.get("email")
    if not isinstance(adapter, OutboxFolderChannel):
        raise NotFound("email goes over SMTP: there is no local outbox", code="outbox_disabled")
    return adapter


def outbox_entries(
    rt: NotificationRuntime, tenant_id: uuid.UUID, *, limit: int = 50, before: str | None = None
) -> list[OutboxEntry]:
    """The tenant's emails in the local outbox, newest first (``before``: the last name of a page)."""
    return local_outbox(rt).list(tenant_id, limit=limit, before=before)


def outbox_message(rt: NotificationRuntime, tenant_id: uuid.UUID, name: str) -> tuple[bytes, EmailMessage]:
    """One email of the tenant's outbox: the raw ``.eml`` bytes and the parsed message."""
    found = local_outbox(rt).read(tenant_id, name)
    if found is None:
        raise NotFound("no such message in the outbox", code="outbox_message_not_found")
    return found


def runtime(container: Container) -> NotificationRuntime:
    """This context's runtime from the container (for other contexts' entrypoints and the admin panel)."""
    return runtime_of(container)


async def get_message(container: Container, message_id: uuid.UUID) -> NotificationMessage:
    """A message as it is now, across tenants (platform tools)."""
    async with container.uow(None, read_only=True) as uow:  # across tenants
        msg = await repo.get_message(uow, message_id)
    if msg is None:
        raise NotFound("no such message", code="message_not_found")
    return msg


# -- delivery receipts of the SMS / WhatsApp providers ----------------------------------------------


def check_receipt_signature(secret: str, body: bytes, signature: str | None) -> None:
    """``X-Signature: sha256=<hex HMAC-SHA256 of the raw body>``, compared in constant time."""
    if not secret:
        raise NotFound("receipts are not enabled for this channel", code="receipts_disabled")
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not signature or not hmac.compare_digest(expected, signature.strip()):
        raise Unauthorized("bad receipt signature", code="bad_signature")


async def record_receipt(
    uow: UnitOfWork, channel: str, reference: uuid.UUID, delivered: bool, error: str | None
) -> NotificationMessage:
    """A provider says whether a sent message reached the phone (the unit of work spans all tenants: the
    provider knows only our message id)."""
    msg = await repo.get_message(uow, reference)
    if msg is None or msg.channel != channel:
        raise NotFound("no such message", code="message_not_found")
    if msg.status in ("sent", "delivered", "undelivered"):
        msg.status = "delivered" if delivered else "undelivered"
        msg.last_error = None if delivered else (error or "undelivered")[:1000]
        await uow.flush()
    return msg
