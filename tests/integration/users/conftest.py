"""Helpers for the users context's HTTP tests."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from ecovarejo.core.container import Container
from ecovarejo.core.models import OutboxEvent
from ecovarejo.core.settings import Settings
from ecovarejo.users.ports import UsersPorts
from tests.conftest import make_settings

PASSWORD = "Um-Segredo-Verde-42"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Only the users context is served: these tests stay independent of the other contexts' work."""
    return make_settings(db_url, tmp_path, services="users", public_url="http://testserver")


class Api:
    def __init__(self, client: httpx.AsyncClient, container: Container) -> None:
        self.client = client
        self.container = container
        #: Recovery codes of the staff accounts made by :meth:`make_admin` (staff sign in with MFA).
        self.recovery: dict[str, list[str]] = {}

    async def register(self, email: str | None = None, *, tenant: str | None = None, **extra: Any) -> dict:
        body = {
            "email": email or f"u{uuid.uuid4().hex[:10]}@example.com",
            "password": PASSWORD,
            "first_name": "Maria",
            "last_name": "Silva",
            "accept_terms": True,
            "accept_privacy": True,
            **extra,
        }
        r = await self.client.post("/api/v1/auth/register", json=body, headers=self.tenant(tenant))
        assert r.status_code == 201, r.text
        return r.json()

    async def login(
        self, email: str, password: str = PASSWORD, *, tenant: str | None = None, headers: dict | None = None
    ) -> dict:
        r = await self.client.post(
            "/api/v1/auth/login",
            json={"email": email, "password": password},
            headers={**self.tenant(tenant), **(headers or {})},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        if body.get("mfa_required") and self.recovery.get(email.lower()):
            r = await self.client.post(
                "/api/v1/auth/login/mfa",
                json={"mfa_token": body["mfa_token"], "recovery_code": self.recovery[email.lower()].pop()},
                headers={**self.tenant(tenant), **(headers or {})},
            )
            assert r.status_code == 200, r.text
            body = r.json()
        return body

    async def user(self, email: str | None = None, *, tenant: str | None = None, **extra: Any) -> tuple[dict, dict]:
        """Register and log in: (profile, tokens)."""
        profile = await self.register(email, tenant=tenant, **extra)
        return profile, await self.login(profile["email"], tenant=tenant)

    @staticmethod
    def tenant(tenant: str | None) -> dict[str, str]:
        return {"X-Tenant-ID": tenant} if tenant else {}

    @staticmethod
    def auth(tokens: dict | str, tenant: str | None = None) -> dict[str, str]:
        token = tokens if isinstance(tokens, str) else tokens["access_token"]
        return {"Authorization": f"Bearer {token}", **({"X-Tenant-ID": tenant} if tenant else {})}

    async def events(self, type: str) -> list[dict]:
        async with self.container.db.system_session() as s:
            rows = (await s.scalars(select(OutboxEvent).where(OutboxEvent.type == type).order_by(OutboxEvent.id))).all()
        return [r.envelope["data"] for r in rows]

    async def make_admin(self, email: str, user_type: str = "admin", permissions: list[str] | None = None) -> None:
        from ecovarejo.users.models import User

        async with self.container.db.system_session() as s:
            user = await s.scalar(select(User).where(User.email == email))
            user.user_type = user_type
            user.permissions = permissions or []
            if user_type == "admin" or permissions:  # staff powers need MFA: enrol with recovery codes
                from ecovarejo.users import mfa
                from ecovarejo.users.models import RecoveryCode

                codes = mfa.new_recovery_codes(40)
                user.mfa_secret = self.container.ports.get(UsersPorts).box.seal(mfa.new_secret())
                user.mfa_enabled = True
                for code in codes:
                    s.add(RecoveryCode(user_id=user.id, tenant_id=user.tenant_id, code_hash=mfa.hash_code(code)))
                self.recovery[email.lower()] = codes
            await s.commit()


@pytest.fixture
def api(client: httpx.AsyncClient, container: Container) -> Api:
    return Api(client, container)
