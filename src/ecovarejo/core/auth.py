"""Who is calling: the :class:`Principal`, and the FastAPI dependencies that require one.

The kernel defines the port; the ``users`` context installs the implementation that verifies
access tokens (the ``Authenticator`` port). Other contexts depend on this module only,
never on the users context's internals.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from fastapi import Depends, Request

from .errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from .container import Container

ROLES = ("customer", "supplier", "admin")

#: Named staff permissions (admins have all of them).
PERMISSIONS = (
    "manage_products",
    "manage_orders",
    "handle_payments",
    "manage_users",
    "view_reports",
    "handle_privacy",
)


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    user_type: str  # customer | supplier | admin
    permissions: frozenset[str] = field(default_factory=frozenset)
    company_id: uuid.UUID | None = None
    email: str | None = None
    token_id: str | None = None
    #: The sign-in session (the access token's ``sid``: its refresh-token family), when there is one.
    session_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    #: Whether the second factor was proven (the access token's ``amr``). Staff powers need it: without
    #: it, :meth:`can` and :attr:`is_admin` are false everywhere (API, GraphQL, web, services).
    #: Principals from access tokens always say; ones the platform makes itself (jobs, seeds) are trusted.
    mfa: bool = True

    @property
    def holds_admin_role(self) -> bool:
        return self.user_type == "admin"

    @property
    def is_admin(self) -> bool:
        return self.user_type == "admin" and self.mfa

    def holds(self, permission: str) -> bool:
        """Has the permission on paper (whether or not MFA was proven)."""
        return self.holds_admin_role or permission in self.permissions

    def can(self, permission: str) -> bool:
        return self.holds(permission) and self.mfa

    @property
    def is_staff(self) -> bool:
        return self.holds_admin_role or bool(self.permissions)


class Authenticator(Protocol):
    """Provided by the users context: ``container.ports.get(Authenticator)``."""

    async def authenticate(self, token: str, tenant_id: uuid.UUID) -> Principal:
        """Verify an access token for ``tenant_id``; raise :class:`Unauthorized` when it is not valid."""
        ...

    def issue_access_token(self, principal: Principal) -> str:
        """A signed, short-lived access token for ``principal`` (login; and tests of other contexts)."""
        ...


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    cookie = request.cookies.get("ev_access")
    return cookie or None


async def optional_principal(request: Request) -> Principal | None:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    token = bearer_token(request)
    if not token:
        return None
    container: Container = request.app.state.container
    authenticator = container.ports.find(Authenticator)
    if authenticator is None:
        raise Unauthorized("authentication is not available")
    principal = await authenticator.authenticate(token, request.state.tenant.id)
    request.state.principal = principal
    request.state.consumer = str(principal.user_id)
    return principal


async def current_principal(principal: Principal | None = Depends(optional_principal)) -> Principal:
    if principal is None:
        raise Unauthorized("a bearer access token is required")
    return principal


def require_permission(permission: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency: an authenticated staff member (or admin) holding ``permission``."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    async def dep(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.holds(permission):
            raise Forbidden(f"requires the {permission} permission", code="permission_denied")
        if not principal.mfa:
            raise StaffMfaRequired()
        return principal

    return dep


class StaffMfaRequired(Forbidden):
    """Staff powers need a session signed in with two-step verification."""

    code = "staff_mfa_required"

    def __init__(self) -> None:
        super().__init__(
            "staff accounts must sign in with two-step verification (enrol at /api/v1/users/mfa/enroll)",
            code="staff_mfa_required",
        )


def require_role(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency: an authenticated user of one of ``roles``."""

    async def dep(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.user_type not in roles:
            raise Forbidden(f"requires role {' or '.join(roles)}", code="role_required")
        if principal.is_staff and not principal.mfa:
            raise StaffMfaRequired()
        return principal

    return dep
