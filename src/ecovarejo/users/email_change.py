"""Changing the account's e-mail (LGPD art. 18 III, correction) with verification.

- The signed-in customer asks with the current password. A single-use link valid 24 hours goes to the NEW
  address; the OLD address gets a notice (the new one masked) with a link to report "it was not me".
- Nothing changes until the link is followed. Then the e-mail becomes the new one (verified), every
  session and every pending password-reset or verification link dies (they were tied to the old address),
  and the old address is told again.
- Non-enumeration (issue #12): when the new address already has an account, the answer is the same; no
  working link exists and that account's owner is told someone tried to use their address.
- "It was not me" (14 days): a pending change is cancelled; an applied one is undone when the old address
  is still free. Either way every session ends and a password-reset link goes to the old address.
- Each step is recorded in the privacy audit log (ids only).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from ecovarejo.core.errors import Conflict, InvalidInput, TooManyRequests, Unauthorized
from ecovarejo.core.uow import UnitOfWork

from . import authflows, passwords
from . import repository as repo
from .models import EmailChange, User
from .ports import EMAIL_CHANGE_TTL, UsersPorts

REPORT_TTL = timedelta(days=14)
MAX_PER_DAY = 5
PURPOSE = "LGPD art. 18 III (correction)"
INVALID = "the link is invalid, used or expired"


def mask(email: str) -> str:
    """``maria.silva@example.com`` → ``m***@example.com``: enough for the owner to recognise, little to a stranger."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _notify(uow: UnitOfWork, user: User, template: str, to_email: str, context: dict[str, Any]) -> None:
    """A message through the notifications context's request topic (it renders and sends after commit)."""
    uow.emit(
        "notification",
        "notification.requested",
        {
            "template": template,
            "to_user_id": str(user.id),
            "to_email": to_email,
            "locale": user.locale,
            "channel": "email",
            "context": context,
        },
        subject=f"user/{user.id}",
    )


def _url(ports: UsersPorts, path: str, token: str) -> str:
    return f"{ports.public_url.rstrip('/')}{path}?token={token}"


async def request_change(uow: UnitOfWork, ports: UsersPorts, user: User, new_email: str, password: str) -> datetime:
    """Start a change; returns when the link expires (the same answer whether or not the address is free)."""
    if not passwords.verify_password(user.password_hash, password):
        raise Unauthorized("the password is wrong", code="invalid_credentials")
    new = new_email.strip().lower()
    if new == user.email:
        raise InvalidInput("this is already the account's e-mail", code="same_email")
    now = ports.now()
    if await repo.email_changes_since(uow, user.id, now - timedelta(days=1)) >= MAX_PER_DAY:
        raise TooManyRequests(f"at most {MAX_PER_DAY} e-mail changes a day", code="too_many_email_changes")
    await repo.cancel_pending_email_changes(uow, user.id, now)
    raw, report = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    change = EmailChange(
        user_id=user.id,
        new_email=new,
        old_email=user.email,
        token_hash=authflows.sha256(raw),
        report_token_hash=authflows.sha256(report),
        created_at=now,
        expires_at=now + EMAIL_CHANGE_TTL,
    )
    uow.session.add(change)
    await uow.flush()
    holder = await repo.get_user_by_email(uow, new)
    if holder is not None:
        # the link is never sent: nobody can confirm (its hash is of a token nobody has); the address's
        # owner is told, the requester sees the same answer as for a free address
        _notify(uow, holder, "security_alert", holder.email, {"kind": "email_in_use", "when": now.isoformat()})
    else:
        _notify(
            uow,
            user,
            "email_change",
            new,
            {"confirm_url": _url(ports, "/conta/email/confirmar", raw), "expires_at": change.expires_at.isoformat()},
        )
    _notify(
        uow,
        user,
        "security_alert",
        user.email,
        {
            "kind": "email_change_requested",
            "when": now.isoformat(),
            "new_email": mask(new),
            "report_url": _url(ports, "/conta/email/nao-fui-eu", report),
        },
    )
    await ports.audit(
        uow, "email_change.requested", subject_id=user.id, purpose=PURPOSE, details={"change_id": str(change.id)}
    )
    return change.expires_at


async def confirm_change(uow: UnitOfWork, ports: UsersPorts, raw: str) -> User:
    """Apply the change from the link sent to the new address (single use, before it expires)."""
    now = ports.now()
    change = await repo.email_change_by_token(uow, authflows.sha256(raw[:200]))
    if change is None or change.confirmed_at or change.cancelled_at or change.expires_at <= now:
        raise InvalidInput(INVALID, code="invalid_token")
    user = await repo.get_user(uow, change.user_id, for_update=True)
    if user is None or not user.is_active or user.email != change.old_email:
        raise InvalidInput(INVALID, code="invalid_token")
    if await repo.get_user_by_email(uow, change.new_email) is not None:
        raise Conflict("an account with this email already exists", code="email_taken")
    change.confirmed_at = now
    user.email = change.new_email
    user.email_verified = True  # the link reached the new mailbox
    try:
        await uow.flush()
    except IntegrityError:
        raise Conflict("an account with this email already exists", code="email_taken") from None
    await _end_sessions(uow, ports, user)
    _updated(uow, user)
    _notify(
        uow,
        user,
        "security_alert",
        change.old_email,
        {
            "kind": "email_changed",
            "when": now.isoformat(),
            "new_email": mask(change.new_email),
        },
    )
    await ports.audit(
        uow, "email_change.confirmed", subject_id=user.id, purpose=PURPOSE, details={"change_id": str(change.id)}
    )
    return user


async def report_change(uow: UnitOfWork, ports: UsersPorts, raw: str) -> None:
    """ "It was not me", from the notice sent to the old address: cancel or undo, end every session, and send
    a password-reset link to the old address."""
    now = ports.now()
    change = await repo.email_change_by_report_token(uow, authflows.sha256(raw[:200]))
    if change is None or change.reported_at is not None or change.created_at + REPORT_TTL <= now:
        raise InvalidInput(INVALID, code="invalid_token")
    user = await repo.get_user(uow, change.user_id, for_update=True)
    if user is None or not user.is_active:
        raise InvalidInput(INVALID, code="invalid_token")
    change.reported_at = now
    undone = False
    if change.confirmed_at is None:
        change.cancelled_at = now
    elif user.email == change.new_email and await repo.get_user_by_email(uow, change.old_email) is None:
        user.email = change.old_email
        undone = True
    await uow.flush()
    await _end_sessions(uow, ports, user)
    if undone:
        _updated(uow, user)
    await authflows.request_password_reset(uow, ports, user.email)
    await ports.audit(
        uow,
        "email_change.reported",
        subject_id=user.id,
        purpose=PURPOSE,
        details={"change_id": str(change.id), "undone": undone},
    )


async def _end_sessions(uow: UnitOfWork, ports: UsersPorts, user: User) -> None:
    now = ports.now()
    await repo.revoke_user_tokens(uow, user.id, now)
    for purpose in ("reset_password", "verify_email"):
        await repo.void_one_time_tokens(uow, user.id, purpose, now)
    await repo.cancel_pending_email_changes(uow, user.id, now)
    ports.tokens.forget_sessions()  # at once in this process (others: the cache's TTL)


def _updated(uow: UnitOfWork, user: User) -> None:
    """The same event as a profile update (the notifications context resolves the new address by id)."""
    authflows.emit(uow, "user.updated", user, locale=user.locale)  # ids only: notifications look the address up
