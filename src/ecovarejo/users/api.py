"""HTTP API of the users context under ``/api/v1``: ``/auth/*`` and ``/users/*`` (the seed's endpoints
and the ones around them). Handlers translate HTTP and commit; the rules live in the services."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from ecovarejo.core.auth import Principal, current_principal, optional_principal
from ecovarejo.core.errors import InvalidInput, Unauthorized
from ecovarejo.core.http import get_container, get_uow
from ecovarejo.core.uow import UnitOfWork

from . import accounts, authflows, collection, company_addresses, email_change
from .models import User
from .ports import UsersPorts
from .schemas import (
    AddressIn,
    AddressOut,
    BuyerIn,
    ChangePasswordIn,
    CompanyMembersOut,
    CompanyOut,
    CompanyUpdateIn,
    ConsentEntryOut,
    ConsentIn,
    ConsentsOut,
    EmailChangedOut,
    EmailChangeIn,
    EmailChangeOut,
    EmailChangeReportedOut,
    EmailIn,
    EmailVerifiedOut,
    LoginIn,
    LogoutIn,
    LoyaltyEntryOut,
    LoyaltyOut,
    MfaChallengeOut,
    MfaCodeIn,
    MfaDisableIn,
    MfaEnrollOut,
    MfaLoginIn,
    ProfileOut,
    ProfileUpdateIn,
    RecoveryCodesOut,
    RefreshIn,
    RegisterIn,
    ResetPasswordIn,
    SessionOut,
    StatusOut,
    TokenIn,
    TokenOut,
)

router = APIRouter(prefix="/api/v1", tags=["users"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def get_ports(request: Request) -> UsersPorts:
    return get_container(request).ports.get(UsersPorts)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def user_agent(request: Request) -> str | None:
    return request.headers.get("user-agent")


async def current_user(principal: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_uow)) -> User:
    """The caller's own account (the only one ``/users/*`` ever touches)."""
    return await accounts.get_user_or_401(uow, principal.user_id)


def _tokens(issued: authflows.IssuedTokens) -> JSONResponse:
    body = TokenOut(
        access_token=issued.access_token,
        refresh_token=issued.refresh_token,
        expires_in=issued.expires_in,
        scope=issued.scope,
    )
    return JSONResponse(body.model_dump(exclude_none=True), headers=NO_STORE)


# -- /auth -------------------------------------------------------------------------------------
@router.post("/auth/register", status_code=201, response_model=ProfileOut)
async def register(
    body: RegisterIn,
    request: Request,
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> User:
    """Create a customer account (with a B2B company when ``company`` is given); consent is recorded."""
    user = await accounts.register(uow, ports, body, ip=client_ip(request))
    await uow.commit()
    return user


@router.post(
    "/auth/login",
    responses={200: {"model": TokenOut | MfaChallengeOut}},
)
async def login(
    body: LoginIn, request: Request, uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> JSONResponse:
    """Tokens, or (MFA on) ``{"mfa_required": true, "mfa_token"}`` for ``POST /auth/login/mfa``."""
    result = await authflows.login(
        uow, ports, body.email, body.password, ip=client_ip(request), user_agent=user_agent(request)
    )
    await uow.commit()
    if isinstance(result, authflows.MfaChallenge):
        challenge = MfaChallengeOut(mfa_token=result.mfa_token, expires_in=result.expires_in)
        return JSONResponse(challenge.model_dump(), headers=NO_STORE)
    return _tokens(result)


@router.post("/auth/login/mfa", response_model=TokenOut)
async def login_mfa(
    body: MfaLoginIn, request: Request, uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> JSONResponse:
    """The login's second step: a TOTP ``code`` or a single-use ``recovery_code``."""
    issued = await authflows.complete_mfa_login(
        uow,
        ports,
        body.mfa_token,
        code=body.code,
        recovery_code=body.recovery_code,
        ip=client_ip(request),
        user_agent=user_agent(request),
    )
    await uow.commit()
    return _tokens(issued)


@router.post("/auth/refresh-token", response_model=TokenOut)
async def refresh_token(
    body: RefreshIn, request: Request, uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> JSONResponse:
    """Rotate a refresh token; presenting a used one revokes its whole session family."""
    try:
        issued = await authflows.refresh(
            uow, ports, body.refresh_token, ip=client_ip(request), user_agent=user_agent(request)
        )
    except authflows.RefreshTokenReuse:
        await uow.commit()  # keep the family's revocation
        raise
    await uow.commit()
    return _tokens(issued)


@router.post("/auth/logout", status_code=204)
async def logout(
    body: LogoutIn,
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
    principal: Principal | None = Depends(optional_principal),
) -> Response:
    """Revoke this session (``refresh_token``), or every session with ``everywhere: true`` (needs the access token)."""
    if body.everywhere:
        if principal is None:
            raise Unauthorized("logging out everywhere needs the access token")
        await authflows.logout_everywhere(uow, ports, principal.user_id)
    elif body.refresh_token:
        await authflows.logout(uow, ports, body.refresh_token, principal=principal)
    else:
        raise InvalidInput("give the refresh_token to revoke, or everywhere: true", code="nothing_to_revoke")
    await uow.commit()
    return Response(status_code=204)


@router.get("/auth/sessions", response_model=list[SessionOut])
async def sessions(
    user: User = Depends(current_user), uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> list[SessionOut]:
    return [SessionOut.model_validate(s) for s in await authflows.list_sessions(uow, ports, user.id)]


@router.delete("/auth/sessions/{session_id}", status_code=204)
async def revoke_session(
    session_id: uuid.UUID,
    user: User = Depends(current_user),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> Response:
    await authflows.revoke_session(uow, ports, user.id, session_id)
    await uow.commit()
    return Response(status_code=204)


@router.post("/auth/verify-email/request", status_code=202, response_model=StatusOut)
async def verify_email_request(
    user: User = Depends(current_user), uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> dict[str, str]:
    await authflows.request_email_verification(uow, ports, user)
    await uow.commit()
    return {"status": "sent"}


@router.post("/auth/verify-email", response_model=EmailVerifiedOut)
async def verify_email(
    body: TokenIn, uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> dict[str, bool]:
    await authflows.confirm_email(uow, ports, body.token)
    await uow.commit()
    return {"email_verified": True}


@router.post("/auth/password/forgot", status_code=202, response_model=StatusOut)
async def forgot_password(
    body: EmailIn, uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> dict[str, str]:
    """Always 202, whether or not the email has an account."""
    await authflows.request_password_reset(uow, ports, body.email.strip().lower())
    await uow.commit()
    return {"status": "if the account exists, an email is on its way"}


@router.post("/auth/password/reset", status_code=204)
async def reset_password(
    body: ResetPasswordIn, uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> Response:
    """Set a new password from the emailed token; every session of the account is revoked."""
    await authflows.reset_password(uow, ports, body.token, body.new_password)
    await uow.commit()
    return Response(status_code=204)


@router.post("/auth/password/change", status_code=204)
async def change_password(
    body: ChangePasswordIn,
    user: User = Depends(current_user),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> Response:
    await authflows.change_password(uow, ports, user, body.current_password, body.new_password)
    await uow.commit()
    return Response(status_code=204)


@router.post("/users/email-change", status_code=202, response_model=EmailChangeOut)
async def request_email_change(
    body: EmailChangeIn,
    user: User = Depends(current_user),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> EmailChangeOut:
    """A link to the new address (it changes only when followed), a notice to the current one. The same
    answer whether or not the new address has an account."""
    expires = await email_change.request_change(uow, ports, user, str(body.new_email), body.password)
    await uow.commit()
    return EmailChangeOut(expires_at=expires)


@router.post("/auth/email-change/confirm", response_model=EmailChangedOut)
async def confirm_email_change(
    body: TokenIn, uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> EmailChangedOut:
    """Apply the change (single-use link); every session of the account ends: sign in with the new address."""
    await email_change.confirm_change(uow, ports, body.token)
    await uow.commit()
    return EmailChangedOut()


@router.post("/auth/email-change/report", response_model=EmailChangeReportedOut)
async def report_email_change(
    body: TokenIn, uow: UnitOfWork = Depends(get_uow), ports: UsersPorts = Depends(get_ports)
) -> EmailChangeReportedOut:
    """ "It was not me" from the old address: the change is cancelled (or undone), sessions end, a password
    reset link goes to the account's address."""
    await email_change.report_change(uow, ports, body.token)
    await uow.commit()
    return EmailChangeReportedOut()


# -- /users/profile ----------------------------------------------------------------------------
@router.get("/users/profile", response_model=ProfileOut)
async def get_profile(user: User = Depends(current_user)) -> User:
    return user


@router.put("/users/profile", response_model=ProfileOut)
async def put_profile(
    body: ProfileUpdateIn,
    user: User = Depends(current_user),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> User:
    """Name, phone, CPF, locale. Role, status, tenant, score and the like are refused (422)."""
    await accounts.update_profile(uow, user, body)
    given = body.model_dump(exclude_unset=True)
    await collection.collected(uow, ports, user.id, "collection.profile", given, collection.ACCOUNT)
    await uow.commit()
    return user


def _given(body: AddressIn) -> list[str]:
    """The address fields given (names only: values never reach the audit log)."""
    return [k for k, v in body.model_dump().items() if v not in (None, "") and not isinstance(v, bool)]


# -- /users/addresses --------------------------------------------------------------------------
@router.get("/users/addresses", response_model=list[AddressOut])
async def list_addresses(user: User = Depends(current_user), uow: UnitOfWork = Depends(get_uow)) -> list[AddressOut]:
    return [AddressOut.model_validate(a) for a in await accounts.list_addresses(uow, user)]


@router.post("/users/addresses", status_code=201, response_model=AddressOut)
async def add_address(
    body: AddressIn,
    user: User = Depends(current_user),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> AddressOut:
    address = await accounts.add_address(uow, user, body)
    await collection.collected(uow, ports, user.id, "collection.address_added", _given(body), collection.DELIVERY)
    await uow.commit()
    return AddressOut.model_validate(address)


@router.get("/users/addresses/{address_id}", response_model=AddressOut)
async def get_address(
    address_id: uuid.UUID, user: User = Depends(current_user), uow: UnitOfWork = Depends(get_uow)
) -> AddressOut:
    return AddressOut.model_validate(await accounts.get_address(uow, user, address_id))


@router.put("/users/addresses/{address_id}", response_model=AddressOut)
async def put_address(
    address_id: uuid.UUID,
    body: AddressIn,
    user: User = Depends(current_user),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> AddressOut:
    address = await accounts.update_address(uow, user, address_id, body)
    await collection.collected(uow, ports, user.id, "collection.address_changed", _given(body), collection.DELIVERY)
    await uow.commit()
    return AddressOut.model_validate(address)


@router.delete("/users/addresses/{address_id}", status_code=204)
async def delete_address(
    address_id: uuid.UUID, user: User = Depends(current_user), uow: UnitOfWork = Depends(get_uow)
) -> Response:
    await accounts.delete_address(uow, user, address_id)
    await uow.commit()
    return Response(status_code=204)


# -- /users/mfa --------------------------------------------------------------------------------
@router.post("/users/mfa/enroll", response_model=MfaEnrollOut)
async def mfa_enroll(
    request: Request,
    user: User = Depends(current_user),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> JSONResponse:
    """A new TOTP secret, its ``otpauth://`` URI and a QR code (PNG data URI); confirm with a code."""
    issuer = f"EcoVarejo ({request.state.tenant.name})"
    secret, uri, qr = await authflows.mfa_enroll(uow, ports, user, issuer)
    await uow.commit()
    return JSONResponse(MfaEnrollOut(secret=secret, otpauth_uri=uri, qr_png=qr).model_dump(), headers=NO_STORE)


@router.post("/users/mfa/confirm", response_model=RecoveryCodesOut)
async def mfa_confirm(
    body: MfaCodeIn,
    user: User = Depends(current_user),
    principal: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> JSONResponse:
    codes = await authflows.mfa_confirm(uow, ports, user, body.code, session_id=principal.session_id)
    await uow.commit()
    return JSONResponse(RecoveryCodesOut(recovery_codes=codes).model_dump(), headers=NO_STORE)


@router.post("/users/mfa/recovery-codes", response_model=RecoveryCodesOut)
async def mfa_recovery_codes(
    body: MfaCodeIn,
    user: User = Depends(current_user),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> JSONResponse:
    """New recovery codes (the old ones stop working); needs a current TOTP code."""
    codes = await authflows.mfa_regenerate_codes(uow, ports, user, body.code)
    await uow.commit()
    return JSONResponse(RecoveryCodesOut(recovery_codes=codes).model_dump(), headers=NO_STORE)


@router.post("/users/mfa/disable", status_code=204)
async def mfa_disable(
    body: MfaDisableIn,
    user: User = Depends(current_user),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> Response:
    """Needs the password and a TOTP or recovery code."""
    await authflows.mfa_disable(uow, ports, user, body.password, body.code, body.recovery_code)
    await uow.commit()
    return Response(status_code=204)


# -- /users/consents ---------------------------------------------------------------------------
@router.get("/users/consents", response_model=ConsentsOut)
async def get_consents(user: User = Depends(current_user), uow: UnitOfWork = Depends(get_uow)) -> ConsentsOut:
    current, history = await accounts.consents(uow, user)
    return ConsentsOut(current=current, history=[ConsentEntryOut.model_validate(e) for e in history])


@router.post("/users/consents", status_code=201, response_model=ConsentEntryOut)
async def post_consent(
    body: ConsentIn,
    request: Request,
    user: User = Depends(current_user),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> ConsentEntryOut:
    """Grant or revoke a consent purpose: a new ledger entry (entries are never changed)."""
    entry = await accounts.change_consent(
        uow, ports, user, body.purpose, body.granted, version=body.policy_version, channel="api", ip=client_ip(request)
    )
    await uow.commit()
    return ConsentEntryOut.model_validate(entry)


# -- /users/loyalty ----------------------------------------------------------------------------
@router.get("/users/loyalty", response_model=LoyaltyOut)
async def get_loyalty(
    user: User = Depends(current_user),
    uow: UnitOfWork = Depends(get_uow),
    limit: int = Query(20, ge=1, le=100),
    cursor: str | None = Query(None, max_length=64),
) -> LoyaltyOut:
    """Eco-loyalty balance, ``sustainability_score`` and the points history (newest first)."""
    balance, items, next_cursor = await accounts.loyalty(uow, user, cursor=cursor, limit=limit)
    return LoyaltyOut(
        balance=balance,
        sustainability_score=user.sustainability_score,
        items=[LoyaltyEntryOut.model_validate(i) for i in items],
        next_cursor=next_cursor,
    )


# -- /users/company (B2B) ----------------------------------------------------------------------
@router.get("/users/company", response_model=CompanyMembersOut)
async def get_company(user: User = Depends(current_user), uow: UnitOfWork = Depends(get_uow)) -> CompanyMembersOut:
    company, members = await accounts.company_members(uow, user)
    return CompanyMembersOut(
        company=CompanyOut.model_validate(company), members=[ProfileOut.model_validate(m) for m in members]
    )


@router.put("/users/company", response_model=CompanyOut)
async def update_company(
    body: CompanyUpdateIn, user: User = Depends(current_user), uow: UnitOfWork = Depends(get_uow)
) -> CompanyOut:
    """A company administrator edits the company's profile; a state registration's check digits are
    checked for its state (``state``), ``422 invalid_ie`` when wrong."""
    company = await accounts.update_company(uow, user, body)
    await uow.commit()
    return CompanyOut.model_validate(company)


@router.post("/users/company/buyers", status_code=201, response_model=ProfileOut)
async def add_buyer(
    body: BuyerIn,
    request: Request,
    user: User = Depends(current_user),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> User:
    """A company administrator adds a buyer to the company."""
    buyer = await accounts.add_buyer(uow, ports, user, body, ip=client_ip(request))
    await uow.commit()
    return buyer


company_addresses.install_routes(router, current_user)
