"""Admin endpoints of the users context: ``/api/v1/admin/users`` and OAuth client registration."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Query

from ecovarejo.core.auth import Principal, require_permission, require_role
from ecovarejo.core.errors import Forbidden
from ecovarejo.core.http import get_uow
from ecovarejo.core.uow import UnitOfWork

from . import accounts, collection, oauth
from .api import get_ports
from .models import User
from .ports import UsersPorts
from .schemas import AdminUserList, AdminUserOut, OAuthClientIn, OAuthClientOut, RoleIn

router = APIRouter(prefix="/api/v1/admin", tags=["admin: users"])


@router.get("/users", response_model=AdminUserList)
async def list_users(
    q: str | None = Query(None, max_length=100),
    user_type: str | None = Query(None, pattern="^(customer|supplier|admin)$"),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=64),
    staff: Principal = Depends(require_permission("manage_users")),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> AdminUserList:
    """Search by email or name (``q``), filter by ``user_type``; cursor pagination. The read is recorded in
    the privacy audit log (who searched, whose records came back)."""
    rows, next_cursor = await accounts.admin_search(uow, q=q, user_type=user_type, cursor=cursor, limit=limit)
    await collection.staff_search(uow, ports, staff, [u.id for u in rows], searched=bool(q))
    await uow.commit()
    return AdminUserList(items=[AdminUserOut.model_validate(u) for u in rows], next_cursor=next_cursor)


@router.get("/users/{user_id}", response_model=AdminUserOut)
async def get_user(
    user_id: uuid.UUID,
    staff: Principal = Depends(require_permission("manage_users")),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> User:
    """One customer's record; the read is recorded in the privacy audit log (who, whose, when)."""
    user = await accounts.admin_get(uow, user_id)
    await collection.staff_read(uow, ports, staff, user.id)
    await uow.commit()
    return user


@router.put("/users/{user_id}/role", response_model=AdminUserOut)
async def change_role(
    user_id: uuid.UUID,
    body: RoleIn,
    actor: Principal = Depends(require_role("admin")),
    uow: UnitOfWork = Depends(get_uow),
) -> User:
    """Role and staff permissions; only admins (a staff permission cannot grant itself more)."""
    user = await accounts.admin_change_role(uow, actor, user_id, body.user_type, body.permissions)
    await uow.commit()
    return user


async def _set_active(uow: UnitOfWork, ports: UsersPorts, actor: Principal, user_id: uuid.UUID, active: bool) -> User:
    target = await accounts.admin_get(uow, user_id)
    if target.user_type == "admin" and not actor.is_admin:
        raise Forbidden("only an admin can change another admin's status", code="role_required")
    user = await accounts.admin_set_active(uow, ports, actor, user_id, active)
    await uow.commit()
    return user


@router.post("/users/{user_id}/deactivate", response_model=AdminUserOut)
async def deactivate(
    user_id: uuid.UUID,
    actor: Principal = Depends(require_permission("manage_users")),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> User:
    """Disable the account: no login, its sessions revoked."""
    return await _set_active(uow, ports, actor, user_id, False)


@router.post("/users/{user_id}/activate", response_model=AdminUserOut)
async def activate(
    user_id: uuid.UUID,
    actor: Principal = Depends(require_permission("manage_users")),
    uow: UnitOfWork = Depends(get_uow),
    ports: UsersPorts = Depends(get_ports),
) -> User:
    return await _set_active(uow, ports, actor, user_id, True)


@router.post("/oauth/clients", status_code=201, response_model=OAuthClientOut)
async def register_client(
    body: OAuthClientIn,
    _: Principal = Depends(require_role("admin")),
    uow: UnitOfWork = Depends(get_uow),
) -> OAuthClientOut:
    """Register a third-party OAuth/OIDC client; its secret is shown only in this answer."""
    client, secret = await oauth.register_client(
        uow, name=body.name, redirect_uris=body.redirect_uris, confidential=body.confidential
    )
    await uow.commit()
    return OAuthClientOut(
        client_id=client.client_id,
        client_secret=secret,
        name=client.name,
        redirect_uris=client.redirect_uris,
        scopes=client.scopes,
    )


@router.get("/oauth/clients", response_model=list[OAuthClientOut])
async def list_clients(
    _: Principal = Depends(require_role("admin")), uow: UnitOfWork = Depends(get_uow)
) -> list[OAuthClientOut]:
    return [
        OAuthClientOut(client_id=c.client_id, name=c.name, redirect_uris=c.redirect_uris, scopes=c.scopes)
        for c in await oauth.list_clients(uow)
    ]
