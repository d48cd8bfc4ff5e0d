"""Request and response bodies of the users context (Pydantic v2).

Request models forbid unknown fields where a stray field could be an attack (``PUT /users/profile``
refuses ``user_type``, ``is_active``, ``tenant_id``, ``sustainability_score``...).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

Locale = Literal["pt-BR", "en", "es"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CompanyIn(Strict):
    cnpj: str = Field(min_length=14, max_length=18)
    legal_name: str = Field(min_length=2, max_length=200)
    trade_name: str | None = Field(default=None, max_length=200)
    state_registration: str | None = Field(default=None, max_length=20)
    #: The state (UF) that issued the state registration: its check digits follow that state's rule.
    state: str | None = Field(default=None, min_length=2, max_length=2)


class CompanyUpdateIn(Strict):
    """A company administrator edits the company's profile (the CNPJ does not change)."""

    legal_name: str | None = Field(default=None, min_length=2, max_length=200)
    trade_name: str | None = Field(default=None, max_length=200)
    state_registration: str | None = Field(default=None, max_length=20)
    state: str | None = Field(default=None, min_length=2, max_length=2)


class RegisterIn(Strict):
    email: EmailStr
    password: str = Field(max_length=1024)
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=20)
    cpf: str | None = Field(default=None, max_length=14)
    locale: Locale = "pt-BR"
    accept_terms: bool = Field(strict=True)
    accept_privacy: bool = Field(strict=True)
    marketing_opt_in: bool = Field(default=False, strict=True)
    #: Register a B2B company with this user as its administrator.
    company: CompanyIn | None = None


class LoginIn(Strict):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class MfaLoginIn(Strict):
    mfa_token: str = Field(max_length=4096)
    code: str | None = Field(default=None, max_length=10)
    recovery_code: str | None = Field(default=None, max_length=32)


class RefreshIn(Strict):
    refresh_token: str = Field(max_length=200)


class LogoutIn(Strict):
    refresh_token: str | None = Field(default=None, max_length=200)
    #: Revoke every session of the account ("log out everywhere"); needs the access token.
    everywhere: bool = Field(default=False, strict=True)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str
    scope: str | None = None


class MfaChallengeOut(BaseModel):
    mfa_required: Literal[True] = True
    mfa_token: str
    expires_in: int


class EmailIn(Strict):
    email: str = Field(max_length=320)


class TokenIn(Strict):
    token: str = Field(max_length=200)


class ResetPasswordIn(Strict):
    token: str = Field(max_length=200)
    new_password: str = Field(max_length=1024)


class ChangePasswordIn(Strict):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class CompanyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cnpj: str
    legal_name: str
    trade_name: str | None
    state_registration: str | None
    #: The state (UF) that issued the state registration.
    state: str | None = None


class ProfileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    phone: str | None
    cpf: str | None
    user_type: str
    is_active: bool
    email_verified: bool
    sustainability_score: int
    locale: str
    company_id: uuid.UUID | None
    is_company_admin: bool
    marketing_opt_in: bool
    mfa_enabled: bool
    created_at: datetime
    updated_at: datetime


class ProfileUpdateIn(Strict):
    """Only these fields; anything else (role, status, tenant, score) is refused with 422."""

    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=20)
    cpf: str | None = Field(default=None, max_length=14)
    locale: Locale | None = None


class AddressIn(Strict):
    label: str | None = Field(default=None, max_length=50)
    recipient_name: str | None = Field(default=None, max_length=200)
    address_line1: str = Field(min_length=1, max_length=255)
    address_line2: str | None = Field(default=None, max_length=255)
    city: str = Field(min_length=1, max_length=100)
    state: str = Field(min_length=2, max_length=50)
    postal_code: str = Field(min_length=8, max_length=10)
    country: str = Field(default="Brasil", max_length=50)
    is_default: bool = Field(default=False, strict=True)

    @field_validator("state")
    @classmethod
    def _upper_state(cls, v: str) -> str:
        return v.upper() if len(v) == 2 else v


class AddressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    label: str | None
    recipient_name: str | None
    address_line1: str
    address_line2: str | None
    city: str
    state: str
    postal_code: str
    country: str
    is_default: bool
    created_at: datetime


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    client_id: str | None
    user_agent: str | None
    ip: str | None
    created_at: datetime
    expires_at: datetime


class MfaEnrollOut(BaseModel):
    secret: str
    otpauth_uri: str
    qr_png: str


class MfaCodeIn(Strict):
    code: str = Field(max_length=10)


class MfaDisableIn(Strict):
    password: str = Field(max_length=1024)
    code: str | None = Field(default=None, max_length=10)
    recovery_code: str | None = Field(default=None, max_length=32)


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]


class ConsentIn(Strict):
    purpose: Literal["terms", "privacy", "marketing", "personalisation", "analytics"]
    granted: bool = Field(strict=True)
    policy_version: str | None = Field(default=None, max_length=30)


class ConsentEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    purpose: str
    policy_version: str
    granted: bool
    channel: str
    recorded_at: datetime


class ConsentsOut(BaseModel):
    current: dict[str, bool]
    history: list[ConsentEntryOut]


class LoyaltyEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    points: int
    reason: str
    order_id: uuid.UUID | None
    details: dict[str, object]
    created_at: datetime


class LoyaltyOut(BaseModel):
    balance: int
    sustainability_score: int
    items: list[LoyaltyEntryOut]
    next_cursor: str | None


class BuyerIn(Strict):
    email: EmailStr
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    password: str = Field(max_length=1024)
    is_company_admin: bool = Field(default=False, strict=True)


class CompanyMembersOut(BaseModel):
    company: CompanyOut
    members: list[ProfileOut]


class AdminUserOut(ProfileOut):
    permissions: list[str]
    last_login_at: datetime | None


class AdminUserList(BaseModel):
    items: list[AdminUserOut]
    next_cursor: str | None


class RoleIn(Strict):
    user_type: Literal["customer", "supplier", "admin"]
    permissions: list[str] = Field(default_factory=list, max_length=20)


class OAuthClientIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    redirect_uris: list[str] = Field(min_length=1, max_length=10)
    confidential: bool = Field(default=True, strict=True)


class OAuthClientOut(BaseModel):
    client_id: str
    client_secret: str | None = None
    name: str
    redirect_uris: list[str]
    scopes: str


class StatusOut(BaseModel):
    """An accepted request whose outcome is not told (e.g. whether an account exists)."""

    status: str


class EmailVerifiedOut(BaseModel):
    email_verified: bool


class EmailChangeIn(Strict):
    new_email: EmailStr
    #: The current password: a stolen session alone cannot move the account to another address.
    password: str = Field(max_length=1024)


class EmailChangeOut(BaseModel):
    status: Literal["pending"] = "pending"
    expires_at: datetime


class EmailChangedOut(BaseModel):
    email_changed: bool = True
    #: Every session of the account ended: sign in again with the new address.
    signed_out: bool = True


class EmailChangeReportedOut(BaseModel):
    reported: bool = True
