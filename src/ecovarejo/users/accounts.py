"""Accounts: registration (with LGPD consent and B2B companies), profile, addresses, consent ledger,
eco loyalty, company buyers and the admin's user management."""

from __future__ import annotations

import base64
import secrets
import uuid
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

from sqlalchemy.exc import IntegrityError

from ecovarejo.core.auth import PERMISSIONS, Principal
from ecovarejo.core.db import new_id, utcnow
from ecovarejo.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from ecovarejo.core.uow import UnitOfWork

from . import authflows, collection, passwords
from . import repository as repo
from .documents import (
    normalize_cep,
    normalize_cnpj,
    normalize_cpf,
    normalize_state_registration,
    registration_state,
)
from .models import Address, Company, ConsentEntry, LoyaltyEntry, User
from .ports import UsersPorts
from .schemas import AddressIn, BuyerIn, CompanyUpdateIn, ProfileUpdateIn, RegisterIn

#: Versions of the documents a user accepts; a new version is recorded as a new ledger entry.
POLICY_VERSIONS = {
    "terms": "2026-01",
    "privacy": "2026-01",
    "marketing": "2026-01",
    "personalisation": "2026-01",
    "analytics": "2026-01",
}
#: Consents an account cannot exist without: withdrawing them is closing the account (privacy requests).
REQUIRED_CONSENTS = ("terms", "privacy")
MAX_ADDRESSES = 20


def _email(value: str) -> str:
    return value.strip().lower()


# -- registration ------------------------------------------------------------------------------
async def _create_user(uow: UnitOfWork, user: User) -> User:
    if await repo.get_user_by_email(uow, user.email) is not None:
        raise Conflict("an account with this email already exists", code="email_taken")
    uow.session.add(user)
    try:
        await uow.flush()
    except IntegrityError:
        raise Conflict("an account with this email already exists", code="email_taken") from None
    return user


async def invite_staff(
    uow: UnitOfWork, ports: UsersPorts, *, email: str, first_name: str, last_name: str, user_type: str = "admin"
) -> User:
    """A staff account with no usable password, and the e-mail that lets its owner choose one: the
    password link of the reset flow (one-time token, ``user.password_reset_requested``), sent by the
    notifications context. Used by ``ecovarejo tenants create`` for a new tenant's first admin."""
    user = User(
        email=_email(email),
        password_hash=passwords.hash_password(secrets.token_urlsafe(32)),  # nobody knows it
        first_name=first_name,
        last_name=last_name,
        user_type=user_type,
        email_verified=True,  # the invitation link proves the address when it is used
        permissions=[],
    )
    await _create_user(uow, user)
    await authflows.request_password_reset(uow, ports, user.email)
    return user


def _registered_event(uow: UnitOfWork, user: User) -> None:
    authflows.emit(
        uow,
        "user.registered",
        user,
        locale=user.locale,
        user_type=user.user_type,
        marketing_opt_in=user.marketing_opt_in,
    )


async def register(
    uow: UnitOfWork, ports: UsersPorts, body: RegisterIn, *, ip: str | None, channel: str = "web"
) -> User:
    if not (body.accept_terms and body.accept_privacy):
        raise InvalidInput("the terms of use and the privacy policy must be accepted", code="consent_required")
    email = _email(str(body.email))
    passwords.check_policy(body.password, email=email)
    cpf = normalize_cpf(body.cpf) if body.cpf else None
    existing = await repo.get_user_by_email(uow, email)
    if existing is not None:
        return await _already_registered(uow, existing, body, email, cpf)
    if cpf:
        # one account per CPF, and a sign-up must not reveal whose CPF has one (issue #12): the CPF's
        # account is told by e-mail, the answer looks like any sign-up
        holders = await repo.get_users_by_cpf(uow, cpf)
        if holders:
            return await _already_registered(uow, holders[0], body, email, cpf)
    company: Company | None = None
    if body.company is not None:
        cnpj = normalize_cnpj(body.company.cnpj)
        ie = normalize_state_registration(body.company.state_registration, body.company.state)
        uf = registration_state(ie, body.company.state)
        known = await repo.get_company_by_cnpj(uow, cnpj)
        if known is not None:
            return await _company_already_registered(uow, known, body, email, cpf)
        company = Company(
            cnpj=cnpj,
            legal_name=body.company.legal_name,
            trade_name=body.company.trade_name,
            state_registration=ie,
            state=uf,
        )
        uow.session.add(company)
        await uow.flush()
    user = await _create_user(
        uow,
        User(
            email=email,
            password_hash=passwords.hash_password(body.password),
            first_name=body.first_name,
            last_name=body.last_name,
            phone=body.phone,
            cpf=cpf,
            locale=body.locale,
            user_type="customer",
            company_id=company.id if company else None,
            is_company_admin=company is not None,
            marketing_opt_in=body.marketing_opt_in,
            permissions=[],
        ),
    )
    for purpose, granted in (("terms", True), ("privacy", True), ("marketing", body.marketing_opt_in)):
        _ledger(uow, ports, user, purpose, granted, channel=channel, ip=ip)
    await uow.flush()
    _registered_event(uow, user)
    given = [f for f in ("email", "first_name", "last_name", "phone", "cpf", "locale") if getattr(body, f, None)]
    given += ["company"] if company is not None else []
    await collection.collected(uow, ports, user.id, "collection.registration", given, collection.ACCOUNT)
    await authflows.request_email_verification(uow, ports, user)
    return user


def _unsaved_sign_up(body: RegisterIn, email: str, cpf: str | None) -> User:
    """What a new sign-up answers with, never saved: the reply when the account already exists."""
    now = utcnow()
    return User(
        id=new_id(), email=email, first_name=body.first_name, last_name=body.last_name, phone=body.phone, cpf=cpf,
        user_type="customer", is_active=True, email_verified=False, sustainability_score=0, locale=body.locale,
        company_id=None, is_company_admin=False, marketing_opt_in=body.marketing_opt_in, mfa_enabled=False,
        permissions=[], created_at=now, updated_at=now,
    )  # fmt: skip


async def _already_registered(uow: UnitOfWork, existing: User, body: RegisterIn, email: str, cpf: str | None) -> User:
    """Registration must not reveal who has an account (issue #12): the answer looks like a new sign-up
    (an unsaved profile, the same work for the password hash) and the account's owner gets a "you
    already have an account" e-mail (``user.registration_attempted``) instead."""
    passwords.hash_password(body.password)
    authflows.emit(
        uow,
        "user.registration_attempted",
        existing,
        locale=existing.locale,
    )
    return _unsaved_sign_up(body, email, cpf)


async def _company_already_registered(
    uow: UnitOfWork, company: Company, body: RegisterIn, email: str, cpf: str | None
) -> User:
    """A CNPJ that already has an account is not revealed either (issue #12): the answer looks like a
    sign-up and the company's administrators are e-mailed (``user.company_registration_attempted``)
    with the address that asked (kept in ``user_company_join_requests``, the event carrying its id), so they
    can add that person to the company."""
    passwords.hash_password(body.password)
    admins = [m for m in await repo.company_members(uow, company.id) if m.is_company_admin and m.is_active]
    if admins:
        # the stranger's address stays here (30 days); the event names the request by id
        request = await repo.add_company_join_request(uow, company.id, email)
    for member in admins:
        authflows.emit(
            uow,
            "user.company_registration_attempted",
            member,
            locale=member.locale,
            join_request_id=str(request.id),
            company=company.trade_name or company.legal_name,
        )
    return _unsaved_sign_up(body, email, cpf)


async def _check_cpf_free(uow: UnitOfWork, cpf: str, user_id: uuid.UUID | None) -> None:
    """One account per CPF in a tenant, found through the blind index (the column is encrypted)."""
    if any(other.id != user_id for other in await repo.get_users_by_cpf(uow, cpf)):
        raise Conflict("another account already uses this CPF", code="cpf_taken")


# -- profile -----------------------------------------------------------------------------------
async def get_user_or_401(uow: UnitOfWork, user_id: uuid.UUID) -> User:
    user = await repo.get_user(uow, user_id)
    if user is None or not user.is_active:
        raise Unauthorized("the account does not exist or is disabled", code="invalid_token")
    return user


async def update_profile(uow: UnitOfWork, user: User, body: ProfileUpdateIn) -> User:
    changes = body.model_dump(exclude_unset=True)
    for name in ("first_name", "last_name", "locale"):
        if changes.get(name) is None:
            changes.pop(name, None)
    if changes.get("cpf"):
        changes["cpf"] = normalize_cpf(changes["cpf"])
        await _check_cpf_free(uow, changes["cpf"], user.id)
    for name, value in changes.items():
        setattr(user, name, (value or None) if name in ("phone", "cpf") else value)
    await uow.flush()
    authflows.emit(
        uow,
        "user.updated",
        user,
        locale=user.locale,
    )
    return user


# -- addresses ---------------------------------------------------------------------------------
def _address_values(body: AddressIn) -> dict[str, Any]:
    values = body.model_dump()
    values["postal_code"] = normalize_cep(body.postal_code)
    return values


async def list_addresses(uow: UnitOfWork, user: User) -> list[Address]:
    return list(await repo.list_addresses(uow, user.id))


async def add_address(uow: UnitOfWork, user: User, body: AddressIn) -> Address:
    existing = await repo.list_addresses(uow, user.id)
    if len(existing) >= MAX_ADDRESSES:
        raise Conflict(f"at most {MAX_ADDRESSES} addresses per account", code="too_many_addresses")
    values = _address_values(body)
    values["is_default"] = body.is_default or not existing
    if values["is_default"]:
        await repo.clear_default_addresses(uow, user.id, None)
    address = Address(user_id=user.id, **values)
    uow.session.add(address)
    await uow.flush()
    return address


async def get_address(uow: UnitOfWork, user: User, address_id: uuid.UUID) -> Address:
    address = await repo.get_address(uow, user.id, address_id)
    if address is None:
        raise NotFound("no such address", code="address_not_found")
    return address


async def update_address(uow: UnitOfWork, user: User, address_id: uuid.UUID, body: AddressIn) -> Address:
    address = await get_address(uow, user, address_id)
    values = _address_values(body)
    if address.is_default and not body.is_default:
        values["is_default"] = True  # there is always one default; choose another address to move it
    if values["is_default"] and not address.is_default:
        await repo.clear_default_addresses(uow, user.id, address.id)
    for name, value in values.items():
        setattr(address, name, value)
    await uow.flush()
    return address


async def delete_address(uow: UnitOfWork, user: User, address_id: uuid.UUID) -> None:
    address = await get_address(uow, user, address_id)
    was_default = address.is_default
    await uow.session.delete(address)
    await uow.flush()
    if was_default:
        rest = await repo.list_addresses(uow, user.id)
        if rest:
            rest[0].is_default = True
            await uow.flush()


# -- consent ledger ----------------------------------------------------------------------------
def record_ledger(
    uow: UnitOfWork,
    ports: UsersPorts,
    user: User,
    purpose: str,
    granted: bool,
    *,
    channel: str,
    ip: str | None,
    version: str,
) -> ConsentEntry:
    """A ledger entry with an explicit policy version (the cookie banner: the tenant's policy version)."""
    return _ledger(uow, ports, user, purpose, granted, channel=channel, ip=ip, version=version)


def _ledger(
    uow: UnitOfWork,
    ports: UsersPorts,
    user: User,
    purpose: str,
    granted: bool,
    *,
    channel: str,
    ip: str | None,
    version: str | None = None,
) -> ConsentEntry:
    entry = ConsentEntry(
        user_id=user.id,
        purpose=purpose,
        policy_version=version or POLICY_VERSIONS[purpose],
        granted=granted,
        channel=channel,
        ip=ip,
        recorded_at=ports.now(),
    )
    uow.session.add(entry)
    authflows.emit(
        uow,
        "user.consent_changed",
        user,
        purpose=purpose,
        granted=granted,
        policy_version=entry.policy_version,
        channel=channel,
    )
    return entry


async def consents(uow: UnitOfWork, user: User) -> tuple[dict[str, bool], list[ConsentEntry]]:
    history = list(await repo.consent_history(uow, user.id))
    current: dict[str, bool] = {}
    for entry in history:
        current[entry.purpose] = entry.granted
    return current, history


async def change_consent(
    uow: UnitOfWork,
    ports: UsersPorts,
    user: User,
    purpose: str,
    granted: bool,
    *,
    version: str | None,
    channel: str,
    ip: str | None,
) -> ConsentEntry:
    if not granted and purpose in REQUIRED_CONSENTS:
        raise Conflict(
            "the terms and the privacy policy cannot be withdrawn from an open account; request its deletion instead",
            code="consent_required_for_account",
        )
    if version is not None and version != POLICY_VERSIONS[purpose]:
        raise InvalidInput(f"the current {purpose} policy version is {POLICY_VERSIONS[purpose]}", code="policy_version")
    entry = _ledger(uow, ports, user, purpose, granted, channel=channel, ip=ip)
    if purpose == "marketing":
        user.marketing_opt_in = granted
    await uow.flush()
    return entry


# -- eco loyalty -------------------------------------------------------------------------------
def points_for_order(total: Decimal, sustainability_score: int | None) -> tuple[int, int]:
    """The earning rule: 1 point per whole R$ 1 of the order total; plus an eco bonus of
    ``floor(base × score / 100)`` when the order's sustainability score (0–100) is known.
    Returns (base, bonus); the bonus also adds to the user's ``sustainability_score``."""
    if total < 0:
        raise InvalidInput("negative order total", code="invalid_total")
    base = int(total.to_integral_value(rounding=ROUND_FLOOR))
    score = max(0, min(100, sustainability_score or 0))
    bonus = base * score // 100
    return base, bonus


async def earn_for_order(
    uow: UnitOfWork, user_id: uuid.UUID, order_id: uuid.UUID, total: str, sustainability_score: Any = None
) -> LoyaltyEntry | None:
    """Credit an order's points once (a second delivery of the same order changes nothing)."""
    user = await repo.get_user(uow, user_id)
    if user is None:
        return None
    if await repo.loyalty_for_order(uow, user.id, "order_delivered", order_id) is not None:
        return None
    try:
        amount = Decimal(str(total))
    except InvalidOperation:
        raise InvalidInput("order total is not a decimal", code="invalid_total") from None
    score = int(sustainability_score) if sustainability_score is not None else None
    base, bonus = points_for_order(amount, score)
    entry = LoyaltyEntry(
        user_id=user.id,
        points=base + bonus,
        reason="order_delivered",
        order_id=order_id,
        details={"total": str(amount), "base": base, "eco_bonus": bonus, "sustainability_score": score},
    )
    uow.session.add(entry)
    user.sustainability_score += bonus
    await uow.flush()
    return entry


#: What one eco-loyalty point is worth when redeemed: 100 points = R$ 5,00.
POINT_VALUE = Decimal("0.05")


def points_value(points: int) -> Decimal:
    return (POINT_VALUE * max(0, points)).quantize(Decimal("0.01"))


async def redeem_for_order(uow: UnitOfWork, user_id: uuid.UUID, order_id: uuid.UUID, points: int) -> LoyaltyEntry:
    """Debit ``points`` for an order's discount, once per order. The user's row is locked while the
    balance is read, so two checkouts cannot spend the same points."""
    if points <= 0:
        raise InvalidInput("points to redeem must be positive", code="invalid_points")
    user = await repo.get_user(uow, user_id, for_update=True)
    if user is None:
        raise NotFound("unknown user", code="user_not_found")
    existing = await repo.loyalty_for_order(uow, user.id, "order_redeemed", order_id)
    if existing is not None:
        return existing
    balance = await repo.loyalty_balance(uow, user.id)
    if balance < points:
        raise Conflict(
            f"only {balance} points available", code="insufficient_points", extra={"balance": balance, "asked": points}
        )
    entry = LoyaltyEntry(
        user_id=user.id, points=-points, reason="order_redeemed", order_id=order_id,
        details={"value": str(points_value(points))},
    )  # fmt: skip
    uow.session.add(entry)
    await uow.flush()
    return entry


async def refund_redemption(uow: UnitOfWork, user_id: uuid.UUID, order_id: uuid.UUID) -> int:
    """Give back the points an order redeemed (its cancellation); once. Returns the points returned."""
    spent = await repo.loyalty_for_order(uow, user_id, "order_redeemed", order_id)
    if spent is None or await repo.loyalty_for_order(uow, user_id, "order_redeem_refunded", order_id):
        return 0
    uow.session.add(
        LoyaltyEntry(
            user_id=user_id, points=-spent.points, reason="order_redeem_refunded", order_id=order_id, details={}
        )
    )
    await uow.flush()
    return -spent.points


def encode_cursor(value: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(value.bytes).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> uuid.UUID | None:
    if not cursor:
        return None
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise InvalidInput("invalid cursor", code="invalid_cursor") from None


async def loyalty(
    uow: UnitOfWork, user: User, *, cursor: str | None, limit: int
) -> tuple[int, list[LoyaltyEntry], str | None]:
    balance = await repo.loyalty_balance(uow, user.id)
    items = list(await repo.loyalty_history(uow, user.id, before=decode_cursor(cursor), limit=limit + 1))
    more = len(items) > limit
    items = items[:limit]
    return balance, items, encode_cursor(items[-1].id) if more and items else None


# -- B2B ---------------------------------------------------------------------------------------
async def company_of(uow: UnitOfWork, user: User) -> Company:
    if user.company_id is None:
        raise NotFound("this account belongs to no company", code="no_company")
    company = await repo.get_company(uow, user.company_id)
    if company is None:
        raise NotFound("this account belongs to no company", code="no_company")
    return company


async def company_members(uow: UnitOfWork, user: User) -> tuple[Company, list[User]]:
    company = await company_of(uow, user)
    return company, list(await repo.company_members(uow, company.id))


async def update_company(uow: UnitOfWork, admin: User, body: CompanyUpdateIn) -> Company:
    """A company administrator edits the company's names and state registration (checked per state)."""
    company = await company_of(uow, admin)
    if not admin.is_company_admin:
        raise Forbidden("only the company's administrators can edit it", code="company_admin_required")
    fields = body.model_fields_set
    if fields & {"state_registration", "state"}:  # the IE (given, else the kept one) checked in the state
        ie = body.state_registration if "state_registration" in fields else company.state_registration
        uf = body.state if "state" in fields else company.state
        company.state_registration = normalize_state_registration(ie, uf)
        company.state = registration_state(company.state_registration, uf)
    if "legal_name" in fields and body.legal_name:
        company.legal_name = body.legal_name
    if "trade_name" in fields:
        company.trade_name = body.trade_name or None
    await uow.flush()
    return company


async def add_buyer(uow: UnitOfWork, ports: UsersPorts, admin: User, body: BuyerIn, *, ip: str | None) -> User:
    """A company administrator adds a buyer to the company (B2B)."""
    company = await company_of(uow, admin)
    if not admin.is_company_admin:
        raise Forbidden("only the company's administrators can add buyers", code="company_admin_required")
    email = _email(str(body.email))
    passwords.check_policy(body.password, email=email)
    user = await _create_user(
        uow,
        User(
            email=email,
            password_hash=passwords.hash_password(body.password),
            first_name=body.first_name,
            last_name=body.last_name,
            locale=admin.locale,
            user_type="customer",
            company_id=company.id,
            is_company_admin=body.is_company_admin,
            permissions=[],
        ),
    )
    _registered_event(uow, user)
    await collection.buyer_added(uow, ports, admin.id, user.id, ("email", "first_name", "last_name", "company"))
    await authflows.request_email_verification(uow, ports, user)
    return user


# -- admin -------------------------------------------------------------------------------------
async def admin_search(
    uow: UnitOfWork, *, q: str | None, user_type: str | None, cursor: str | None, limit: int
) -> tuple[list[User], str | None]:
    rows = list(await repo.search_users(uow, q=q, user_type=user_type, after=decode_cursor(cursor), limit=limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more and rows else None


async def admin_get(uow: UnitOfWork, user_id: uuid.UUID) -> User:
    user = await repo.get_user(uow, user_id)
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    return user


async def admin_change_role(
    uow: UnitOfWork, actor: Principal, user_id: uuid.UUID, user_type: str, permissions: list[str]
) -> User:
    unknown = sorted(set(permissions) - set(PERMISSIONS))
    if unknown:
        raise InvalidInput(f"unknown permissions: {', '.join(unknown)}", code="unknown_permission")
    user = await admin_get(uow, user_id)
    if user.id == actor.user_id and user_type != "admin":
        raise Conflict("you cannot remove your own admin role", code="self_demotion")
    user.user_type = user_type
    user.permissions = sorted(set(permissions))
    await uow.flush()
    return user


async def admin_set_active(
    uow: UnitOfWork, ports: UsersPorts, actor: Principal, user_id: uuid.UUID, active: bool
) -> User:
    user = await admin_get(uow, user_id)
    if user.id == actor.user_id and not active:
        raise Conflict("you cannot deactivate your own account", code="self_deactivation")
    user.is_active = active
    if not active:
        await repo.revoke_user_tokens(uow, user.id, ports.now())
        ports.tokens.forget_sessions()  # at once in this process (others: cache TTL)
    await uow.flush()
    return user
