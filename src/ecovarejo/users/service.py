"""The users context's public service: what other contexts may call (never ``models``/``repository``).

- ``await get_user(uow, user_id) -> UserView | None`` — a small public view of an account of the
  unit of work's tenant: ``id, email, first_name, last_name, user_type, company_id, locale, is_active``.
- ``await get_buyer(uow, user_id) -> BuyerView | None`` — the account and its company (CNPJ, state
  registration) in one read: who buys, and whether as an ICMS taxpayer.
- ``await is_b2b(uow, user_id) -> bool`` — whether the account buys for a company (has a CNPJ-backed
  company); False for unknown users.
- ``await earn_order_points(uow, user_id, order_id, total, sustainability_score=None)`` — the eco-loyalty
  earning rule, also run by the ``order.delivered`` consumer (idempotent per order).
- ``await export_personal_data(uow, user_id)`` / ``await erase_personal_data(uow, user_id)`` — LGPD
  access and erasure over :mod:`ecovarejo.users.personal_data` (for the privacy context).
- Sign-in for server-rendered pages (the web context), same rules as the REST API (throttling, MFA,
  events): ``await sign_in(container, uow, email, password, ip=..., user_agent=...) -> SignIn``
  (``mfa_token`` set when a second factor is needed), ``await sign_in_mfa(container, uow, mfa_token,
  code=... | recovery_code=..., ip=..., user_agent=...)``, ``await refresh_session(container, uow,
  refresh_token, ip=..., user_agent=...)`` (on :class:`RefreshTokenReuse` commit the unit of work
  before answering: the revocation must stick) and ``await sign_out(container, uow, refresh_token)``.
- Account pages: ``await register(container, uow, fields, ip=...) -> UserView`` (``fields`` as the
  body of ``POST /auth/register``, validated the same way), ``await confirm_email(container, uow,
  token)``, ``await request_password_reset(container, uow, email)`` (silent for unknown emails),
  ``await reset_password(container, uow, token, new_password)``.

Authentication for other contexts is ``ecovarejo.core.auth`` (the authenticator port this context
installs); tests use ``tests.support.token_for``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.uow import UnitOfWork

from . import accounts, authflows, lgpd
from . import repository as repo
from .authflows import RefreshTokenReuse
from .models import User
from .ports import UsersPorts
from .schemas import RegisterIn

__all__ = [
    "RefreshTokenReuse",
    "SignIn",
    "UserView",
    "confirm_email",
    "earn_order_points",
    "erase_personal_data",
    "export_personal_data",
    "get_user",
    "is_b2b",
    "refresh_session",
    "register",
    "request_password_reset",
    "reset_password",
    "sign_in",
    "sign_in_mfa",
    "sign_out",
]


@dataclass(frozen=True)
class UserView:
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    user_type: str
    company_id: uuid.UUID | None
    locale: str
    is_active: bool
    #: Administers its company's account (the one who registered it, or one they appointed).
    is_company_admin: bool = False


async def get_user(uow: UnitOfWork, user_id: uuid.UUID) -> UserView | None:
    user = await repo.get_user(uow, user_id)
    return _view(user) if user is not None else None


def _view(user: User) -> UserView:
    return UserView(
        id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        user_type=user.user_type,
        company_id=user.company_id,
        locale=user.locale,
        is_active=user.is_active,
        is_company_admin=bool(user.is_company_admin),
    )


@dataclass(frozen=True)
class CompanyView:
    id: uuid.UUID
    cnpj: str
    legal_name: str
    trade_name: str | None
    #: Inscrição estadual; None or "ISENTO" when the company is not an ICMS taxpayer.
    state_registration: str | None
    is_active: bool
    #: The state (UF) that issued the state registration (None: not told and not deducible).
    state: str | None = None

    @property
    def taxpayer(self) -> bool:
        """An ICMS taxpayer (*contribuinte*): a company with a state registration."""
        ie = (self.state_registration or "").strip().upper()
        return bool(ie) and ie != "ISENTO"


@dataclass(frozen=True)
class BuyerView:
    user: UserView
    company: CompanyView | None


async def get_buyer(uow: UnitOfWork, user_id: uuid.UUID) -> BuyerView | None:
    found = await repo.get_user_and_company(uow, user_id)
    if found is None:
        return None
    user, company = found
    view = None
    if company is not None:
        view = CompanyView(
            id=company.id,
            cnpj=company.cnpj,
            legal_name=company.legal_name,
            trade_name=company.trade_name,
            state_registration=company.state_registration,
            is_active=company.is_active,
            state=company.state,
        )
    return BuyerView(_view(user), view)


async def is_b2b(uow: UnitOfWork, user_id: uuid.UUID) -> bool:
    user = await repo.get_user(uow, user_id)
    return user is not None and user.company_id is not None


async def earn_order_points(
    uow: UnitOfWork, user_id: uuid.UUID, order_id: uuid.UUID, total: str, sustainability_score: Any = None
) -> int:
    """Points credited for this order now (0 when already credited or the user is unknown)."""
    entry = await accounts.earn_for_order(uow, user_id, order_id, total, sustainability_score)
    return entry.points if entry else 0


async def redeem_points_for_order(uow: UnitOfWork, user_id: uuid.UUID, order_id: uuid.UUID, points: int) -> None:
    """Spend eco-loyalty points on an order (409 ``insufficient_points``); once per order."""
    await accounts.redeem_for_order(uow, user_id, order_id, points)


async def refund_points_for_order(uow: UnitOfWork, user_id: uuid.UUID, order_id: uuid.UUID) -> int:
    """Return the points an order spent (it was cancelled); once."""
    return await accounts.refund_redemption(uow, user_id, order_id)


points_value = accounts.points_value
POINT_VALUE = accounts.POINT_VALUE


export_personal_data = lgpd.export_personal_data
erase_personal_data = lgpd.erase_personal_data


@dataclass(frozen=True)
class SignIn:
    """Tokens, or (``mfa_token`` set) the need for a second factor."""

    access_token: str | None = None
    refresh_token: str | None = None
    expires_in: int = 0
    mfa_token: str | None = None


def _ports(container: Container) -> UsersPorts:
    return container.ports.get(UsersPorts)


def _signed(issued: authflows.IssuedTokens) -> SignIn:
    return SignIn(issued.access_token, issued.refresh_token, issued.expires_in)


async def sign_in(
    container: Container, uow: UnitOfWork, email: str, password: str, *, ip: str | None, user_agent: str | None
) -> SignIn:
    result = await authflows.login(uow, _ports(container), email, password, ip=ip, user_agent=user_agent)
    if isinstance(result, authflows.MfaChallenge):
        return SignIn(mfa_token=result.mfa_token, expires_in=result.expires_in)
    return _signed(result)


async def sign_in_mfa(
    container: Container,
    uow: UnitOfWork,
    mfa_token: str,
    *,
    code: str | None = None,
    recovery_code: str | None = None,
    ip: str | None,
    user_agent: str | None,
) -> SignIn:
    issued = await authflows.complete_mfa_login(
        uow, _ports(container), mfa_token, code=code, recovery_code=recovery_code, ip=ip, user_agent=user_agent
    )
    return _signed(issued)


async def refresh_session(
    container: Container, uow: UnitOfWork, refresh_token: str, *, ip: str | None, user_agent: str | None
) -> SignIn:
    return _signed(await authflows.refresh(uow, _ports(container), refresh_token, ip=ip, user_agent=user_agent))


async def sign_out(container: Container, uow: UnitOfWork, refresh_token: str) -> None:
    await authflows.logout(uow, _ports(container), refresh_token, principal=None)


async def register(container: Container, uow: UnitOfWork, fields: dict[str, Any], *, ip: str | None) -> UserView:
    """Raises ``InvalidInput`` (``validation_error``) when ``fields`` do not fit the register body."""
    from pydantic import ValidationError

    from ecovarejo.core.errors import InvalidInput

    try:
        body = RegisterIn.model_validate(fields)
    except ValidationError as exc:
        errors = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
        raise InvalidInput("some fields are invalid", code="validation_error", extra={"errors": errors}) from None
    return _view(await accounts.register(uow, _ports(container), body, ip=ip))


async def confirm_email(container: Container, uow: UnitOfWork, token: str) -> UserView:
    return _view(await authflows.confirm_email(uow, _ports(container), token))


async def request_password_reset(container: Container, uow: UnitOfWork, email: str) -> None:
    await authflows.request_password_reset(uow, _ports(container), email.strip().lower())


async def reset_password(container: Container, uow: UnitOfWork, token: str, new_password: str) -> None:
    await authflows.reset_password(uow, _ports(container), token, new_password)


#: The cookie banner's purposes a signed-in customer's choice is recorded under (``marketing_cookies`` is
#: not the account's e-mail marketing consent, ``marketing``).
COOKIE_PURPOSES = ("analytics", "marketing_cookies")


async def record_cookie_choice(
    container: Container,
    uow: UnitOfWork,
    user_id: uuid.UUID,
    choices: dict[str, bool],
    *,
    policy_version: str,
    ip: str | None = None,
) -> None:
    """The storefront banner's choice of a signed-in customer: one consent-ledger entry per purpose of
    :data:`COOKIE_PURPOSES`, with the tenant's privacy-policy version, channel ``cookie_banner``; the
    change is audited (``consent.changed``)."""
    unknown = set(choices) - set(COOKIE_PURPOSES)
    if unknown:
        raise ValueError(f"unknown consent purposes {sorted(unknown)}")
    user = await repo.get_user(uow, user_id)
    if user is None:
        return
    ports = _ports(container)
    ids = []
    for purpose in COOKIE_PURPOSES:
        entry = accounts.record_ledger(
            uow, ports, user, purpose, bool(choices.get(purpose)), channel="cookie_banner", ip=ip,
            version=policy_version[:30],
        )  # fmt: skip
        ids.append(entry)
    await uow.flush()
    await ports.audit(
        uow,
        "consent.changed",
        subject_id=user.id,
        purpose="cookie banner (LGPD art. 7 I and 8)",
        consent_id=str(ids[0].id),
        details={"channel": "cookie_banner", "policy_version": policy_version[:30],
                 "choices": {e.purpose: e.granted for e in ids}},
    )  # fmt: skip


async def has_consent(uow: UnitOfWork, user_id: uuid.UUID, purpose: str, *, at: datetime | None = None) -> bool:
    """The consent ledger's answer for ``purpose`` (``analytics``, ``marketing``...) now, or in force at ``at``
    (a request judged by the choice of its time, not of the moment a background task reads the ledger): the
    latest entry wins; no entry means no consent (LGPD: opt-in)."""
    history = await repo.consent_history(uow, user_id)
    current = False
    for entry in history:
        recorded = entry.recorded_at if entry.recorded_at.tzinfo else entry.recorded_at.replace(tzinfo=UTC)
        if at is not None and recorded > at:
            break
        if entry.purpose == purpose:
            current = entry.granted
    return current


async def invite_staff(
    container: Container, uow: UnitOfWork, *, email: str, first_name: str, last_name: str, user_type: str = "admin"
) -> UserView:
    """A staff account with no usable password and the e-mail that lets its owner choose one (a new
    tenant's first admin: ``ecovarejo tenants create``)."""
    user = await accounts.invite_staff(
        uow, _ports(container), email=email, first_name=first_name, last_name=last_name, user_type=user_type
    )
    return _view(user)


async def buyer_cpf(uow: UnitOfWork, user_id: uuid.UUID) -> str | None:
    """An individual's CPF (11 digits), for the documents the law puts it on (the NF-e's recipient)."""
    user = await repo.get_user(uow, user_id)
    return user.cpf if user is not None and user.cpf else None
