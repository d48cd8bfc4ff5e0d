"""Authentication flows: login (with brute-force throttling and MFA step-up), refresh-token
rotation with reuse detection, logout, sessions, email verification, password reset and change, and
TOTP enrolment.

Refresh tokens are opaque random strings stored as SHA-256; each login starts a *family*, each use
marks the token used and issues its successor in the family. A used token presented again means it
leaked: the whole family is revoked (:class:`RefreshTokenReuse`, which the handler commits before
answering 401).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ecovarejo.core.auth import PERMISSIONS, Principal
from ecovarejo.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests, Unauthorized
from ecovarejo.core.uow import UnitOfWork

from . import mfa, passwords
from . import repository as repo
from .models import OneTimeToken, RecoveryCode, RefreshToken, User
from .ports import EMAIL_VERIFICATION_TTL, MFA_CHALLENGE_TTL, PASSWORD_RESET_TTL, REFRESH_TOKEN_TTL, UsersPorts

TOPIC = "user-events"
INVALID_LOGIN = "invalid email or password"


class RefreshTokenReuse(Unauthorized):
    """A rotated refresh token came back: its family has been revoked (commit, then answer 401)."""

    code = "refresh_token_reused"


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def emit(uow: UnitOfWork, type: str, user: User, **data: Any) -> None:
    uow.emit(TOPIC, type, {"user_id": str(user.id), **data}, subject=f"user/{user.id}")


def principal_for(user: User) -> Principal:
    perms = frozenset(PERMISSIONS) if user.user_type == "admin" else frozenset(user.permissions or ())
    return Principal(
        user_id=user.id,
        tenant_id=user.tenant_id,
        user_type=user.user_type,
        permissions=perms,
        company_id=user.company_id,
        # Tokens are issued after the second step whenever MFA is on (login asks for it; enrolment proves it).
        mfa=bool(user.mfa_enabled),
    )


@dataclass
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str | None = None
    id_token: str | None = None
    session_id: uuid.UUID | None = None


@dataclass
class MfaChallenge:
    mfa_token: str
    expires_in: int


# -- sessions ----------------------------------------------------------------------------------
async def start_session(
    uow: UnitOfWork,
    ports: UsersPorts,
    user: User,
    *,
    ip: str | None,
    user_agent: str | None,
    client_id: str | None = None,
    scope: str | None = None,
    family_id: uuid.UUID | None = None,
    auth_time: datetime | None = None,
) -> IssuedTokens:
    """A new refresh token (a new family unless given) and an access token."""
    now = ports.now()
    raw = secrets.token_urlsafe(32)
    row = RefreshToken(
        user_id=user.id,
        family_id=family_id or uuid.uuid4(),
        token_hash=sha256(raw),
        client_id=client_id,
        scope=scope,
        user_agent=(user_agent or "")[:255] or None,
        ip=ip,
        created_at=now,
        expires_at=now + REFRESH_TOKEN_TTL,
        auth_time=auth_time or now,
    )
    uow.session.add(row)
    await uow.flush()
    if client_id:
        access = ports.tokens.issue_access_token(
            principal_for(user), client_id=client_id, scope=scope or "", session_id=str(row.family_id)
        )
    else:
        access = ports.tokens.issue_access_token(principal_for(user), session_id=str(row.family_id))
    return IssuedTokens(access, raw, ports.tokens.access_ttl, scope=scope, session_id=row.id)


async def _signed_in(
    uow: UnitOfWork, ports: UsersPorts, user: User, ip: str | None, user_agent: str | None
) -> IssuedTokens:
    new_device = not await repo.known_device(uow, user.id, (user_agent or "")[:255] or None)
    tokens = await start_session(uow, ports, user, ip=ip, user_agent=user_agent)
    user.last_login_at = ports.now()
    # the device (IP, user agent) stays in the session row; the new-device alert looks it up by the id
    emit(uow, "user.signed_in", user, locale=user.locale, session_id=str(tokens.session_id), new_device=new_device)
    return tokens


async def login(
    uow: UnitOfWork, ports: UsersPorts, email: str, password: str, *, ip: str | None, user_agent: str | None
) -> IssuedTokens | MfaChallenge:
    """Check the password; throttled per account and per IP; the same answer whether or not the email exists."""
    tenant = str(uow.tenant_id)
    email = email.strip().lower()
    wait = await ports.throttle.retry_after(tenant, email, ip)
    if wait > 0:
        raise TooManyRequests(
            "too many failed attempts; try again later",
            code="login_throttled",
            headers={"Retry-After": str(int(wait) + 1)},
            extra={"retry_after": int(wait) + 1},
        )
    user = await repo.get_user_by_email(uow, email)
    if user is None:
        passwords.verify_password(passwords.dummy_hash(), password)  # same work as a real account
        await ports.throttle.failed(tenant, email, ip)
        raise Unauthorized(INVALID_LOGIN, code="invalid_credentials")
    if not passwords.verify_password(user.password_hash, password):
        await ports.throttle.failed(tenant, email, ip)
        raise Unauthorized(INVALID_LOGIN, code="invalid_credentials")
    await ports.throttle.succeeded(tenant, email)
    if not user.is_active:
        raise Forbidden("this account is disabled", code="account_disabled")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    if user.mfa_enabled:
        token = ports.tokens.issue_purpose_token(
            subject=user.id,
            tenant_id=user.tenant_id,
            purpose="mfa",
            ttl=MFA_CHALLENGE_TTL,
            extra={"ip": ip, "ua": sha256(user_agent or "")[:16]},
        )
        await uow.flush()
        return MfaChallenge(token, MFA_CHALLENGE_TTL)
    return await _signed_in(uow, ports, user, ip, user_agent)


async def _check_second_factor(
    uow: UnitOfWork, ports: UsersPorts, user: User, code: str | None, recovery_code: str | None
) -> bool:
    if code:
        if not user.mfa_secret:
            return False
        step = mfa.matching_step(ports.box.open(user.mfa_secret), code, last_step=user.mfa_last_step)
        if step is None or not await repo.set_mfa_step(uow, user.id, step):
            return False
        user.mfa_last_step = step
        return True
    if recovery_code:
        row = await repo.find_recovery_code(uow, user.id, mfa.hash_code(recovery_code))
        return row is not None and await repo.use_recovery_code(uow, row.id, ports.now())
    return False


async def complete_mfa_login(
    uow: UnitOfWork,
    ports: UsersPorts,
    mfa_token: str,
    *,
    code: str | None,
    recovery_code: str | None,
    ip: str | None,
    user_agent: str | None,
) -> IssuedTokens:
    claims = ports.tokens.verify_purpose_token(mfa_token, purpose="mfa", tenant_id=uow.tenant_id or uuid.UUID(int=0))
    user = await repo.get_user(uow, uuid.UUID(claims["sub"]))
    if user is None or not user.is_active or not user.mfa_enabled:
        raise Unauthorized("the MFA challenge is no longer valid", code="invalid_token")
    tenant, key = str(uow.tenant_id), f"mfa:{user.id}"
    wait = await ports.throttle.retry_after(tenant, key, ip)
    if wait > 0:
        raise TooManyRequests(
            "too many wrong codes; try again later", code="mfa_throttled", headers={"Retry-After": str(int(wait) + 1)}
        )
    if not await _check_second_factor(uow, ports, user, code, recovery_code):
        await ports.throttle.failed(tenant, key, ip)
        raise Unauthorized("the code is not valid", code="invalid_mfa_code")
    await ports.throttle.succeeded(tenant, key)
    return await _signed_in(uow, ports, user, ip, user_agent)


async def refresh(
    uow: UnitOfWork,
    ports: UsersPorts,
    raw: str,
    *,
    ip: str | None,
    user_agent: str | None,
    client_id: str | None = None,
) -> IssuedTokens:
    """Rotate ``raw``: its successor in the family, or the family revoked when it was used before."""
    now = ports.now()
    row = await repo.get_refresh_token(uow, sha256(raw))
    if row is None or row.client_id != client_id:
        raise Unauthorized("unknown refresh token", code="invalid_grant")
    if row.revoked_at is not None:
        raise Unauthorized("this session has ended", code="invalid_grant")
    if row.used_at is not None or not await repo.mark_refresh_used(uow, row.id, now):
        await repo.revoke_family(uow, row.family_id, now)
        ports.tokens.forget_sessions()  # at once in this process (others: cache TTL)
        raise RefreshTokenReuse("this refresh token was already used; the session has been revoked")
    if row.expires_at <= now:
        raise Unauthorized("the refresh token has expired", code="invalid_grant")
    user = await repo.get_user(uow, row.user_id)
    if user is None or not user.is_active:
        await repo.revoke_family(uow, row.family_id, now)
        ports.tokens.forget_sessions()  # at once in this process (others: cache TTL)
        raise Unauthorized("this account is disabled", code="invalid_grant")
    return await start_session(
        uow,
        ports,
        user,
        ip=ip,
        user_agent=user_agent or row.user_agent,
        client_id=row.client_id,
        scope=row.scope,
        family_id=row.family_id,
        auth_time=row.auth_time,
    )


async def logout(uow: UnitOfWork, ports: UsersPorts, raw: str, *, principal: Principal | None) -> None:
    """Revoke the session of ``raw``; when a caller is authenticated it must be that session's owner."""
    row = await repo.get_refresh_token(uow, sha256(raw))
    if row is None or (principal is not None and row.user_id != principal.user_id):
        raise NotFound("unknown refresh token", code="session_not_found")
    await repo.revoke_family(uow, row.family_id, ports.now())
    ports.tokens.forget_sessions()  # at once in this process (others: cache TTL)


async def logout_everywhere(uow: UnitOfWork, ports: UsersPorts, user_id: uuid.UUID) -> int:
    revoked = await repo.revoke_user_tokens(uow, user_id, ports.now())
    ports.tokens.forget_sessions()  # at once in this process (others: cache TTL)
    return revoked


async def list_sessions(uow: UnitOfWork, ports: UsersPorts, user_id: uuid.UUID) -> list[RefreshToken]:
    return list(await repo.active_sessions(uow, user_id, ports.now()))


async def revoke_session(uow: UnitOfWork, ports: UsersPorts, user_id: uuid.UUID, session_id: uuid.UUID) -> None:
    row = await repo.get_session(uow, user_id, session_id)
    if row is None:
        raise NotFound("no such session", code="session_not_found")
    await repo.revoke_family(uow, row.family_id, ports.now())
    ports.tokens.forget_sessions()  # at once in this process (others: cache TTL)


# -- one-time tokens: email verification, password reset -------------------------------------
async def _one_time_token(uow: UnitOfWork, ports: UsersPorts, user: User, purpose: str) -> tuple[str, datetime]:
    now = ports.now()
    await repo.void_one_time_tokens(uow, user.id, purpose, now)
    raw = secrets.token_urlsafe(32)
    ttl = EMAIL_VERIFICATION_TTL if purpose == "verify_email" else PASSWORD_RESET_TTL
    uow.session.add(
        OneTimeToken(user_id=user.id, purpose=purpose, token_hash=sha256(raw), created_at=now, expires_at=now + ttl)
    )
    await uow.flush()
    return raw, now + ttl


async def request_email_verification(uow: UnitOfWork, ports: UsersPorts, user: User) -> None:
    if user.email_verified:
        raise Conflict("the email is already verified", code="email_already_verified")
    raw, expires = await _one_time_token(uow, ports, user, "verify_email")
    emit(
        uow,
        "user.email_verification_requested",
        user,
        locale=user.locale,
        token=raw,
        verify_url=f"{ports.public_url.rstrip('/')}/verify-email?token={raw}",
        expires_at=expires.isoformat(),
    )


async def _consume(uow: UnitOfWork, ports: UsersPorts, purpose: str, raw: str) -> User:
    now = ports.now()
    row = await repo.get_one_time_token(uow, purpose, sha256(raw))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise InvalidInput("the link is invalid, used or expired", code="invalid_token")
    if not await repo.use_one_time_token(uow, row.id, now):
        raise InvalidInput("the link is invalid, used or expired", code="invalid_token")
    user = await repo.get_user(uow, row.user_id)
    if user is None:
        raise InvalidInput("the link is invalid, used or expired", code="invalid_token")
    return user


async def confirm_email(uow: UnitOfWork, ports: UsersPorts, raw: str) -> User:
    user = await _consume(uow, ports, "verify_email", raw)
    user.email_verified = True
    await uow.flush()
    return user


async def request_password_reset(uow: UnitOfWork, ports: UsersPorts, email: str) -> None:
    """Always succeeds from the caller's view; an event only when the account exists and is active."""
    user = await repo.get_user_by_email(uow, email)
    if user is None or not user.is_active:
        return
    raw, expires = await _one_time_token(uow, ports, user, "reset_password")
    emit(
        uow,
        "user.password_reset_requested",
        user,
        locale=user.locale,
        token=raw,
        reset_url=f"{ports.public_url.rstrip('/')}/reset-password?token={raw}",
        expires_at=expires.isoformat(),
    )


async def _set_password(uow: UnitOfWork, ports: UsersPorts, user: User, new_password: str, reason: str) -> None:
    passwords.check_policy(new_password, email=user.email)
    user.password_hash = passwords.hash_password(new_password)
    await repo.revoke_user_tokens(uow, user.id, ports.now())
    ports.tokens.forget_sessions()  # at once in this process (others: cache TTL)
    emit(
        uow,
        "user.password_changed",
        user,
        locale=user.locale,
        reason=reason,
    )
    await uow.flush()


async def reset_password(uow: UnitOfWork, ports: UsersPorts, raw: str, new_password: str) -> None:
    """Set a new password from a reset link; every session of the account is revoked."""
    passwords.check_policy(new_password)
    user = await _consume(uow, ports, "reset_password", raw)
    user.email_verified = True  # the link reached the mailbox
    await _set_password(uow, ports, user, new_password, "reset")


async def change_password(uow: UnitOfWork, ports: UsersPorts, user: User, current: str, new_password: str) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise Unauthorized("the current password is wrong", code="invalid_credentials")
    await _set_password(uow, ports, user, new_password, "change")


# -- MFA enrolment -----------------------------------------------------------------------------
async def mfa_enroll(uow: UnitOfWork, ports: UsersPorts, user: User, issuer: str) -> tuple[str, str, str]:
    if user.mfa_enabled:
        raise Conflict("MFA is already enabled", code="mfa_already_enabled")
    secret = mfa.new_secret()
    user.mfa_secret = ports.box.seal(secret)
    user.mfa_last_step = None
    await uow.flush()
    uri = mfa.provisioning_uri(secret, user.email, issuer)
    return secret, uri, mfa.qr_png_data_uri(uri)


async def _new_recovery_codes(uow: UnitOfWork, user: User) -> list[str]:
    await repo.delete_recovery_codes(uow, user.id)
    codes = mfa.new_recovery_codes()
    for code in codes:
        uow.session.add(RecoveryCode(user_id=user.id, code_hash=mfa.hash_code(code)))
    await uow.flush()
    return codes


async def mfa_confirm(
    uow: UnitOfWork, ports: UsersPorts, user: User, code: str, *, session_id: str | None = None
) -> list[str]:
    """Turn MFA on once a code from the new secret checks; returns the recovery codes (shown once).

    Every other session of the account ends: they were started with a password alone, and a session's
    tokens are re-issued with the account's MFA state, so a session opened before enrolment (another
    device, a stolen cookie) must not come back as a two-step session. The session that enrols keeps
    going: it has just proven the second factor."""
    if user.mfa_enabled:
        raise Conflict("MFA is already enabled", code="mfa_already_enabled")
    if not user.mfa_secret:
        raise Conflict("start the enrolment first", code="mfa_not_enrolled")
    if not await _check_second_factor(uow, ports, user, code, None):
        raise InvalidInput("the code is not valid", code="invalid_mfa_code")
    user.mfa_enabled = True
    current = _uuid_or_none(session_id)
    for family in await repo.session_families(uow, user.id):
        if family != current:
            await repo.revoke_family(uow, family, ports.now())
    ports.tokens.forget_sessions()  # at once in this process (others: the cache's TTL)
    codes = await _new_recovery_codes(uow, user)
    emit(uow, "user.mfa_enabled", user, locale=user.locale)
    return codes


async def mfa_disable(
    uow: UnitOfWork, ports: UsersPorts, user: User, password: str, code: str | None, recovery_code: str | None
) -> None:
    """Re-authentication (password and a second factor) before the second factor goes away."""
    if not user.mfa_enabled:
        raise Conflict("MFA is not enabled", code="mfa_not_enabled")
    if not passwords.verify_password(user.password_hash, password):
        raise Unauthorized("the password is wrong", code="invalid_credentials")
    if not await _check_second_factor(uow, ports, user, code, recovery_code):
        raise Unauthorized("the code is not valid", code="invalid_mfa_code")
    user.mfa_enabled = False
    user.mfa_secret = None
    user.mfa_last_step = None
    await repo.delete_recovery_codes(uow, user.id)
    emit(uow, "user.mfa_disabled", user, locale=user.locale)
    await uow.flush()


async def mfa_regenerate_codes(uow: UnitOfWork, ports: UsersPorts, user: User, code: str) -> list[str]:
    if not user.mfa_enabled:
        raise Conflict("MFA is not enabled", code="mfa_not_enabled")
    if not await _check_second_factor(uow, ports, user, code, None):
        raise Unauthorized("the code is not valid", code="invalid_mfa_code")
    return await _new_recovery_codes(uow, user)


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None
