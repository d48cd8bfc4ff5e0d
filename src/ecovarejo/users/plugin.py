"""The users context plugged into the platform: the authenticator port, routers, the loyalty consumer
and the demo accounts."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ecovarejo.core.auth import Authenticator
from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec
from ecovarejo.core.uow import UnitOfWork

from . import models as _models  # noqa: F401  (its tables on the shared metadata: Alembic, tests)
from . import repository as repo
from .events import consumers
from .keys import KeyRing, load_key_ring
from .mfa import SecretBox
from .personal_data import DECLARATION as PERSONAL_DATA
from .ports import UsersPorts
from .throttle import build_throttle
from .tokens import TokenService

if TYPE_CHECKING:
    from fastapi import APIRouter


#: Password of the demo accounts (``ecovarejo seed-demo``); it passes the password policy.
DEMO_PASSWORD = "Verde-Demo-2026!"
DEMO_USERS = (
    ("admin@ecovarejo.dev", "Ana", "Administradora", "admin"),
    ("cliente@ecovarejo.dev", "Carlos", "Cliente", "customer"),
    ("fornecedor@ecovarejo.dev", "Fernanda", "Fornecedora", "supplier"),
)


def install(container: Container) -> None:
    settings = container.settings
    ring = load_key_ring(settings)
    tokens = TokenService(ring, settings.public_url)
    secret_key = settings.load_secret_key()
    container.ports.provide(KeyRing, ring)
    container.ports.provide(Authenticator, tokens)
    container.ports.provide(TokenService, tokens)

    async def session_alive(tenant_id: uuid.UUID, user_id: uuid.UUID, sid: uuid.UUID) -> bool:
        async with container.uow(tenant_id, read_only=True) as uow:
            return await repo.session_alive(uow, sid, user_id)

    tokens.session_check = session_alive
    container.ports.provide(
        UsersPorts,
        UsersPorts(
            tokens=tokens,
            throttle=build_throttle(container.redis),
            box=SecretBox(secret_key),
            public_url=settings.public_url,
            secret_key=secret_key,
        ),
    )


async def seed_demo(container: Container, uow: UnitOfWork, options: dict[str, Any]) -> None:
    """Demo accounts (idempotent: existing emails are left as they are)."""
    from .accounts import POLICY_VERSIONS
    from .models import ConsentEntry, User
    from .passwords import check_policy, hash_password

    check_policy(DEMO_PASSWORD)
    created = []
    password_hash: str | None = None  # one Argon2id hash for the demo accounts (one published password)
    for email, first, last, user_type in DEMO_USERS:
        if await repo.get_user_by_email(uow, email) is not None:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        user = User(
            email=email,
            password_hash=password_hash,
            first_name=first,
            last_name=last,
            user_type=user_type,
            email_verified=True,
            locale="pt-BR",
            permissions=[],
        )
        uow.session.add(user)
        await uow.flush()
        for purpose in ("terms", "privacy"):
            uow.session.add(
                ConsentEntry(
                    user_id=user.id,
                    purpose=purpose,
                    policy_version=POLICY_VERSIONS[purpose],
                    granted=True,
                    channel="seed",
                )
            )
        created.append(email)
    await uow.flush()
    console = options.get("console")
    if console is not None and created:
        console.print(f"  users: {', '.join(created)} — password [bold]{DEMO_PASSWORD}[/]")


def _routers() -> list[APIRouter]:
    """Imported when a process serves the API, not by a one-off command."""
    from .admin_api import router as admin_router
    from .api import router as api_router
    from .oauth_api import router as oauth_router
    from .wellknown import router as wellknown_router

    return [wellknown_router, api_router, admin_router, oauth_router]


CONTEXT = ContextSpec(
    name="users",
    routers=_routers,
    install=install,
    consumers=consumers,
    seed_demo=seed_demo,
    seed_order=10,
    personal_data=PERSONAL_DATA,
)
