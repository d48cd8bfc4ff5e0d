"""The users context's tables. Every one is tenant-owned; see :mod:`.personal_data` for which
columns hold personal data."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.crypto import Encrypted, blind_index
from ecovarejo.core.db import Base, TenantOwned, Timestamped, new_id, utcnow

USER_TYPES = ("customer", "supplier", "admin")


class Company(Base, TenantOwned, Timestamped):
    """A B2B account: buyers (users) belong to it; one or more of them administer it."""

    __tablename__ = "companies"
    __table_args__ = (UniqueConstraint("tenant_id", "cnpj", name="uq_companies_tenant_cnpj"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    cnpj: Mapped[str] = mapped_column(String(14))
    legal_name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str | None] = mapped_column(String(200))
    state_registration: Mapped[str | None] = mapped_column(String(20))
    #: The state (UF) that issued the state registration (its check digits follow that state's rule).
    state: Mapped[str | None] = mapped_column(String(2))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Base, TenantOwned, Timestamped):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email", name="uq_users_tenant_email"),
        Index("ix_users_tenant_cpf_index", "tenant_id", "cpf_index"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    #: Encrypted at rest (core/crypto.py), like the CPF and the addresses' street, recipient and CEP.
    phone: Mapped[str | None] = mapped_column(Encrypted("users.phone"))
    user_type: Mapped[str] = mapped_column(String(20), default="customer")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    sustainability_score: Mapped[int] = mapped_column(Integer, default=0)
    locale: Mapped[str] = mapped_column(String(10), default="pt-BR")
    #: Individuals' CPF (11 digits), personal data: encrypted; found by :attr:`cpf_index`.
    cpf: Mapped[str | None] = mapped_column(Encrypted("users.cpf", index="cpf_index"))
    #: Blind index of the CPF (HMAC under the index key, with the tenant), set on every write.
    cpf_index: Mapped[str | None] = mapped_column(String(64))
    company_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    is_company_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Named staff permissions (``ecovarejo.core.auth.PERMISSIONS``); admins hold all implicitly.
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    marketing_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    #: TOTP secret, encrypted with the platform secret (Fernet); set at enrolment, active once confirmed.
    mfa_secret: Mapped[str | None] = mapped_column(String(255))
    mfa_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Last TOTP time step accepted: a code of that step or older is refused (no replay).
    mfa_last_step: Mapped[int | None] = mapped_column(Integer)
    last_login_at: Mapped[datetime | None] = mapped_column()


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _index_cpf(mapper: Any, connection: Any, user: User) -> None:
    user.cpf_index = blind_index(user.tenant_id, user.cpf)


class Address(Base, TenantOwned):
    __tablename__ = "user_addresses"
    #: At most one default address per user, enforced by the database under concurrency too.
    __table_args__ = (
        Index(
            "uq_user_addresses_one_default",
            "user_id",
            unique=True,
            postgresql_where=text("is_default"),
            sqlite_where=text("is_default"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str | None] = mapped_column(String(50))
    recipient_name: Mapped[str | None] = mapped_column(Encrypted("user_addresses.recipient_name"))
    address_line1: Mapped[str] = mapped_column(Encrypted("user_addresses.address_line1"))
    address_line2: Mapped[str | None] = mapped_column(Encrypted("user_addresses.address_line2"))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(50))
    postal_code: Mapped[str] = mapped_column(Encrypted("user_addresses.postal_code"))
    country: Mapped[str] = mapped_column(String(50), default="Brasil")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RefreshToken(Base, TenantOwned):
    """One opaque refresh token (stored as its SHA-256); a login starts a family, each use rotates it."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str | None] = mapped_column(String(64))
    scope: Mapped[str | None] = mapped_column(String(255))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    auth_time: Mapped[datetime] = mapped_column(default=utcnow)


class OneTimeToken(Base, TenantOwned):
    """Email verification and password reset: single use, expiring, stored as SHA-256 only."""

    __tablename__ = "user_one_time_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class EmailChange(Base, TenantOwned):
    """A requested change of the account's e-mail (LGPD art. 18 III): applied only when the single-use link
    sent to the new address is followed before it expires; the old address gets a notice whose link reports
    "it was not me" (cancels the change, or undoes it once applied). Tokens are stored as SHA-256 only."""

    __tablename__ = "user_email_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    new_email: Mapped[str] = mapped_column(String(320))
    old_email: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    report_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    reported_at: Mapped[datetime | None] = mapped_column()


class CompanyJoinRequest(Base, TenantOwned):
    """Someone without an account tried to register a company whose CNPJ already has one (issue #12: the
    answer does not say so). The company's administrators are told by e-mail, the event naming this row by
    id; the notifications context reads the requester's address through this context's public surface when
    it sends. Purged after 30 days by ``privacy.retention``."""

    __tablename__ = "user_company_join_requests"
    __table_args__ = (Index("ix_user_company_join_requests_tenant_email_index", "tenant_id", "requester_email_index"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    #: Encrypted at rest like the accounts' phone and CPF; found (erasure of that address) by the blind index.
    requester_email: Mapped[str] = mapped_column(
        Encrypted("user_company_join_requests.requester_email", index="requester_email_index")
    )
    requester_email_index: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(CompanyJoinRequest, "before_insert")
@event.listens_for(CompanyJoinRequest, "before_update")
def _index_requester_email(mapper: Any, connection: Any, row: CompanyJoinRequest) -> None:
    row.requester_email_index = blind_index(row.tenant_id, row.requester_email)


class RecoveryCode(Base, TenantOwned):
    __tablename__ = "mfa_recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentEntry(Base, TenantOwned):
    """Append-only LGPD consent ledger: the current state of a purpose is its latest entry."""

    __tablename__ = "consent_ledger"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(50))
    policy_version: Mapped[str] = mapped_column(String(30))
    granted: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(30))
    ip: Mapped[str | None] = mapped_column(String(45))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoyaltyEntry(Base, TenantOwned):
    """Eco-loyalty points ledger; the balance is the sum. One earning per (user, order)."""

    __tablename__ = "loyalty_ledger"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "reason", "order_id", name="uq_loyalty_ledger_order"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(50))
    order_id: Mapped[uuid.UUID | None] = mapped_column()
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OAuthClient(Base, TenantOwned):
    """A third-party application registered by an admin (OAuth 2.0 / OIDC relying party)."""

    __tablename__ = "oauth_clients"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the secret for confidential clients; None for public (PKCE-only) clients.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    scopes: Mapped[str] = mapped_column(String(255), default="openid profile email")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuthorizationCode(Base, TenantOwned):
    __tablename__ = "oauth_authorization_codes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(255))
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_challenge: Mapped[str] = mapped_column(String(128))
    auth_time: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class CompanyAddress(Base, TenantOwned, Timestamped):
    """A company's delivery address (a warehouse, a branch), kept by its administrators and offered to
    every member at checkout. A legal entity's business address: no person is named in it."""

    __tablename__ = "company_addresses"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(50))
    address_line1: Mapped[str] = mapped_column(String(255))
    address_line2: Mapped[str | None] = mapped_column(String(255))
    district: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str] = mapped_column(String(9))
