"""All SQL of the users context. Every function takes the unit of work first; its session is tenant-bound, so
every query is the tenant's."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.engine import CursorResult

from ecovarejo.core.crypto import blind_index
from ecovarejo.core.db import TENANT_KEY
from ecovarejo.core.uow import UnitOfWork

from .models import (
    Address,
    AuthorizationCode,
    Company,
    CompanyJoinRequest,
    ConsentEntry,
    EmailChange,
    LoyaltyEntry,
    OAuthClient,
    OneTimeToken,
    RecoveryCode,
    RefreshToken,
    User,
)


def _rowcount(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


# -- users -------------------------------------------------------------------------------------
async def get_user(uow: UnitOfWork, user_id: uuid.UUID, *, for_update: bool = False) -> User | None:
    q = select(User).where(User.id == user_id)
    if for_update:
        q = q.with_for_update()
    return await uow.session.scalar(q)


async def get_user_by_email(uow: UnitOfWork, email: str) -> User | None:
    return await uow.session.scalar(select(User).where(User.email == email.strip().lower()))


def cpf_index(uow: UnitOfWork, cpf: str) -> str | None:
    """The blind index of a normalised CPF in the session's tenant (the column itself is encrypted)."""
    return blind_index(uow.session.info.get(TENANT_KEY), cpf)


async def get_users_by_cpf(uow: UnitOfWork, cpf: str) -> Sequence[User]:
    q = select(User).where(User.cpf_index == cpf_index(uow, cpf)).order_by(User.id)
    return (await uow.session.scalars(q)).all()


async def search_users(
    uow: UnitOfWork, *, q: str | None, user_type: str | None, after: uuid.UUID | None, limit: int
) -> Sequence[User]:
    query = select(User).order_by(User.id).limit(limit)
    if q:
        term = q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{term}%"
        query = query.where(
            or_(
                func.lower(User.email).like(like, escape="\\"),
                func.lower(User.first_name).like(like, escape="\\"),
                func.lower(User.last_name).like(like, escape="\\"),
                *((User.cpf_index == cpf_index(uow, digits),) if len(digits := re.sub(r"\D", "", q)) == 11 else ()),
            )
        )
    if user_type:
        query = query.where(User.user_type == user_type)
    if after:
        query = query.where(User.id > after)
    return (await uow.session.scalars(query)).all()


async def set_mfa_step(uow: UnitOfWork, user_id: uuid.UUID, step: int) -> bool:
    """Record ``step`` as the last TOTP step used, unless a later or equal one was (replay): atomic."""
    res = await uow.session.execute(
        update(User)
        .where(User.id == user_id, or_(User.mfa_last_step.is_(None), User.mfa_last_step < step))
        .values(mfa_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(res) == 1


# -- companies ---------------------------------------------------------------------------------
async def get_company(uow: UnitOfWork, company_id: uuid.UUID) -> Company | None:
    return await uow.session.scalar(select(Company).where(Company.id == company_id))


async def get_user_and_company(uow: UnitOfWork, user_id: uuid.UUID) -> tuple[User, Company | None] | None:
    """One statement: the account and its company (a buyer's snapshot at checkout)."""
    row = (
        await uow.session.execute(
            select(User, Company).outerjoin(Company, Company.id == User.company_id).where(User.id == user_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def get_company_by_cnpj(uow: UnitOfWork, cnpj: str) -> Company | None:
    return await uow.session.scalar(select(Company).where(Company.cnpj == cnpj))


async def company_members(uow: UnitOfWork, company_id: uuid.UUID) -> Sequence[User]:
    return (
        await uow.session.scalars(select(User).where(User.company_id == company_id).order_by(User.created_at))
    ).all()


# -- addresses ---------------------------------------------------------------------------------
async def list_addresses(uow: UnitOfWork, user_id: uuid.UUID) -> Sequence[Address]:
    q = select(Address).where(Address.user_id == user_id).order_by(Address.is_default.desc(), Address.created_at)
    return (await uow.session.scalars(q)).all()


async def get_address(uow: UnitOfWork, user_id: uuid.UUID, address_id: uuid.UUID) -> Address | None:
    return await uow.session.scalar(select(Address).where(Address.id == address_id, Address.user_id == user_id))


async def clear_default_addresses(uow: UnitOfWork, user_id: uuid.UUID, keep: uuid.UUID | None) -> None:
    q = update(Address).where(Address.user_id == user_id, Address.is_default.is_(True))
    if keep is not None:
        q = q.where(Address.id != keep)
    await uow.session.execute(q.values(is_default=False).execution_options(synchronize_session="fetch"))


# -- refresh tokens ----------------------------------------------------------------------------
async def get_refresh_token(uow: UnitOfWork, token_hash: str) -> RefreshToken | None:
    return await uow.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))


async def get_session(uow: UnitOfWork, user_id: uuid.UUID, session_id: uuid.UUID) -> RefreshToken | None:
    return await uow.session.scalar(
        select(RefreshToken).where(RefreshToken.id == session_id, RefreshToken.user_id == user_id)
    )


async def mark_refresh_used(uow: UnitOfWork, token_id: uuid.UUID, now: datetime) -> bool:
    """Claim a refresh token for rotation; False when another request used it first (reuse)."""
    res = await uow.session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None), RefreshToken.revoked_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(res) == 1


async def session_alive(uow: UnitOfWork, family_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """The session (refresh-token family) still has a token not revoked, and its user is active."""
    q = (
        select(RefreshToken.id)
        .join(User, User.id == RefreshToken.user_id)
        .where(
            RefreshToken.family_id == family_id,
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
            User.is_active.is_(True),
        )
        .limit(1)
    )
    return (await uow.session.scalar(q)) is not None


async def revoke_family(uow: UnitOfWork, family_id: uuid.UUID, now: datetime) -> int:
    res = await uow.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(res)


async def session_families(uow: UnitOfWork, user_id: uuid.UUID) -> list[uuid.UUID]:
    """The refresh-token families (sign-in sessions) of a user that are not revoked."""
    res = await uow.session.execute(
        select(RefreshToken.family_id)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .distinct()
    )
    return list(res.scalars())


async def revoke_user_tokens(uow: UnitOfWork, user_id: uuid.UUID, now: datetime) -> int:
    res = await uow.session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(res)


async def active_sessions(uow: UnitOfWork, user_id: uuid.UUID, now: datetime) -> Sequence[RefreshToken]:
    q = (
        select(RefreshToken)
        .where(
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.used_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .order_by(RefreshToken.created_at.desc())
    )
    return (await uow.session.scalars(q)).all()


async def known_device(uow: UnitOfWork, user_id: uuid.UUID, user_agent: str | None) -> bool:
    q = select(RefreshToken.id).where(RefreshToken.user_id == user_id, RefreshToken.user_agent == user_agent).limit(1)
    return (await uow.session.scalar(q)) is not None


# -- one-time tokens ---------------------------------------------------------------------------
async def get_one_time_token(uow: UnitOfWork, purpose: str, token_hash: str) -> OneTimeToken | None:
    return await uow.session.scalar(
        select(OneTimeToken).where(OneTimeToken.token_hash == token_hash, OneTimeToken.purpose == purpose)
    )


async def use_one_time_token(uow: UnitOfWork, token_id: uuid.UUID, now: datetime) -> bool:
    res = await uow.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == token_id, OneTimeToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(res) == 1


async def void_one_time_tokens(uow: UnitOfWork, user_id: uuid.UUID, purpose: str, now: datetime) -> None:
    """Earlier links stop working once a new one is sent (or the purpose is fulfilled)."""
    await uow.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.user_id == user_id, OneTimeToken.purpose == purpose, OneTimeToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


# -- MFA recovery codes ------------------------------------------------------------------------
async def find_recovery_code(uow: UnitOfWork, user_id: uuid.UUID, code_hash: str) -> RecoveryCode | None:
    return await uow.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user_id, RecoveryCode.code_hash == code_hash, RecoveryCode.used_at.is_(None)
        )
    )


async def use_recovery_code(uow: UnitOfWork, code_id: uuid.UUID, now: datetime) -> bool:
    res = await uow.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == code_id, RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(res) == 1


async def delete_recovery_codes(uow: UnitOfWork, user_id: uuid.UUID) -> None:
    for code in (await uow.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user_id))).all():
        await uow.session.delete(code)


# -- consent -----------------------------------------------------------------------------------
async def consent_history(uow: UnitOfWork, user_id: uuid.UUID) -> Sequence[ConsentEntry]:
    q = select(ConsentEntry).where(ConsentEntry.user_id == user_id).order_by(ConsentEntry.recorded_at, ConsentEntry.id)
    return (await uow.session.scalars(q)).all()


# -- loyalty -----------------------------------------------------------------------------------
async def loyalty_balance(uow: UnitOfWork, user_id: uuid.UUID) -> int:
    q = select(func.coalesce(func.sum(LoyaltyEntry.points), 0)).where(LoyaltyEntry.user_id == user_id)
    return int(await uow.session.scalar(q) or 0)


async def loyalty_history(
    uow: UnitOfWork, user_id: uuid.UUID, *, before: uuid.UUID | None, limit: int
) -> Sequence[LoyaltyEntry]:
    q = select(LoyaltyEntry).where(LoyaltyEntry.user_id == user_id).order_by(LoyaltyEntry.id.desc()).limit(limit)
    if before:
        q = q.where(LoyaltyEntry.id < before)
    return (await uow.session.scalars(q)).all()


async def loyalty_for_order(
    uow: UnitOfWork, user_id: uuid.UUID, reason: str, order_id: uuid.UUID
) -> LoyaltyEntry | None:
    return await uow.session.scalar(
        select(LoyaltyEntry).where(
            LoyaltyEntry.user_id == user_id, LoyaltyEntry.reason == reason, LoyaltyEntry.order_id == order_id
        )
    )


# -- OAuth -------------------------------------------------------------------------------------
async def get_client(uow: UnitOfWork, client_id: str) -> OAuthClient | None:
    return await uow.session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))


async def list_clients(uow: UnitOfWork) -> Sequence[OAuthClient]:
    return (await uow.session.scalars(select(OAuthClient).order_by(OAuthClient.created_at))).all()


async def get_code(uow: UnitOfWork, code_hash: str) -> AuthorizationCode | None:
    return await uow.session.scalar(select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash))


async def use_code(uow: UnitOfWork, code_id: uuid.UUID, now: datetime) -> bool:
    res = await uow.session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.id == code_id, AuthorizationCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(res) == 1


# -- data-subject requests ---------------------------------------------------------------------
async def rows_of_subject(uow: UnitOfWork, model: type[Any], key: str, user_id: uuid.UUID) -> Sequence[Any]:
    return (await uow.session.scalars(select(model).where(getattr(model, key) == user_id))).all()


# -- e-mail changes ----------------------------------------------------------------------------
async def email_changes_since(uow: UnitOfWork, user_id: uuid.UUID, since: datetime) -> int:
    q = select(func.count()).where(EmailChange.user_id == user_id, EmailChange.created_at >= since)
    return int(await uow.session.scalar(q) or 0)


async def cancel_pending_email_changes(uow: UnitOfWork, user_id: uuid.UUID, now: datetime) -> None:
    """Earlier links to a new address stop working (a new request, or the change was applied)."""
    await uow.session.execute(
        update(EmailChange)
        .where(EmailChange.user_id == user_id, EmailChange.confirmed_at.is_(None), EmailChange.cancelled_at.is_(None))
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )


async def email_change_by_token(uow: UnitOfWork, token_hash: str) -> EmailChange | None:
    q = select(EmailChange).where(EmailChange.token_hash == token_hash).with_for_update()
    return await uow.session.scalar(q.execution_options(populate_existing=True))


async def email_change_by_report_token(uow: UnitOfWork, token_hash: str) -> EmailChange | None:
    q = select(EmailChange).where(EmailChange.report_token_hash == token_hash).with_for_update()
    return await uow.session.scalar(q.execution_options(populate_existing=True))


# -- retention (the privacy context's jobs, through its DataSubjects port) -----------------------
async def forget_ips(uow: UnitOfWork, before: datetime) -> dict[str, int]:
    """Remove the IP address of sessions started and consents recorded before ``before``."""
    sessions = await uow.session.execute(
        update(RefreshToken)
        .where(RefreshToken.created_at < before, RefreshToken.ip.is_not(None))
        .values(ip=None)
        .execution_options(synchronize_session=False)
    )
    consents = await uow.session.execute(
        update(ConsentEntry)
        .where(ConsentEntry.recorded_at < before, ConsentEntry.ip.is_not(None))
        .values(ip=None)
        .execution_options(synchronize_session=False)
    )
    return {"session_ips": _rowcount(sessions), "consent_ips": _rowcount(consents)}


async def inactive_customers(uow: UnitOfWork, before: datetime, limit: int) -> Sequence[uuid.UUID]:
    """Active customer accounts with no sign-in since ``before`` (or never, and created before it). Staff
    (administrators, and customers holding staff permissions) are not customers here: the shop, not
    retention, ends their access."""
    last = func.coalesce(User.last_login_at, User.created_at)
    no_permissions = or_(User.permissions.is_(None), cast(User.permissions, Text).in_(["[]", "null"]))
    q = (
        select(User.id)
        .where(User.is_active.is_(True), User.user_type == "customer", no_permissions, last < before)
        .order_by(User.id)
        .limit(limit)
    )
    return (await uow.session.scalars(q)).all()


async def purge_expired_tokens(uow: UnitOfWork, now: datetime, email_change_keep: timedelta) -> dict[str, int]:
    """Delete one-time tokens (verification, password reset...) that have expired, and e-mail-change rows
    whose link has expired and whose "não fui eu" window (``email_change_keep`` from the request) is over."""
    tokens = await uow.session.execute(
        delete(OneTimeToken).where(OneTimeToken.expires_at < now).execution_options(synchronize_session=False)
    )
    changes = await uow.session.execute(
        delete(EmailChange)
        .where(EmailChange.expires_at < now, EmailChange.created_at < now - email_change_keep)
        .execution_options(synchronize_session=False)
    )
    joins = await uow.session.execute(
        delete(CompanyJoinRequest)
        .where(CompanyJoinRequest.created_at < now - JOIN_REQUEST_KEEP)
        .execution_options(synchronize_session=False)
    )
    return {
        "expired_tokens": _rowcount(tokens),
        "email_changes": _rowcount(changes),
        "company_join_requests": _rowcount(joins),
    }


#: How long the address of someone who asked to join an existing company is kept (the admins were told).
JOIN_REQUEST_KEEP = timedelta(days=30)


async def add_company_join_request(uow: UnitOfWork, company_id: uuid.UUID, email: str) -> CompanyJoinRequest:
    row = CompanyJoinRequest(company_id=company_id, requester_email=email)
    uow.session.add(row)
    await uow.flush()
    return row


async def delete_company_join_requests(uow: UnitOfWork, email: str) -> int:
    """Forget the join requests made from ``email`` (its owner's erasure)."""
    index = blind_index(uow.session.info.get(TENANT_KEY), email)  # the address itself is encrypted
    q = delete(CompanyJoinRequest).where(CompanyJoinRequest.requester_email_index == index)
    return _rowcount(await uow.session.execute(q.execution_options(synchronize_session=False)))


async def company_join_request_email(uow: UnitOfWork, request_id: uuid.UUID) -> str | None:
    """The requester's address of a join request of the unit of work's tenant (None once purged)."""
    q = select(CompanyJoinRequest.requester_email).where(CompanyJoinRequest.id == request_id)
    return (await uow.session.execute(q)).scalar_one_or_none()


async def session_device(
    uow: UnitOfWork, user_id: uuid.UUID, session_id: uuid.UUID
) -> tuple[str | None, str | None] | None:
    """The IP address and user agent a session (refresh token row) started from."""
    row = (
        await uow.session.execute(
            select(RefreshToken.ip, RefreshToken.user_agent).where(
                RefreshToken.id == session_id, RefreshToken.user_id == user_id
            )
        )
    ).first()
    return (row[0], row[1]) if row is not None else None
