"""The demo accounts (``ecovarejo seed-demo``): created once, able to log in."""

from __future__ import annotations

from sqlalchemy import func, select

from ecovarejo.core.auth import Authenticator
from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.users.models import User
from ecovarejo.users.plugin import CONTEXT, DEMO_PASSWORD

from .conftest import Api


async def test_seed_demo_is_idempotent_and_logs_in(api: Api, container: Container) -> None:
    assert CONTEXT.seed_demo is not None and CONTEXT.seed_order == 10
    for _ in range(2):
        async with container.uow(DEFAULT_TENANT_ID, actor="seed-demo") as uow:
            await CONTEXT.seed_demo(container, uow, {})
            await uow.commit()
    async with container.db.system_session() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == 3
    for email, role in (
        ("admin@ecovarejo.dev", "admin"),
        ("cliente@ecovarejo.dev", "customer"),
        ("fornecedor@ecovarejo.dev", "supplier"),
    ):
        tokens = await api.login(email, DEMO_PASSWORD)
        principal = await container.ports.get(Authenticator).authenticate(tokens["access_token"], DEFAULT_TENANT_ID)
        assert principal.user_type == role
