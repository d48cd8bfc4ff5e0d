"""Helpers for the privacy context's HTTP tests: the users context's API helper, a DPO account."""

from __future__ import annotations

import httpx
import pytest

from ecovarejo.core.container import Container
from tests.integration.users.conftest import Api


class PrivacyApi(Api):
    async def dpo(self) -> dict[str, str]:
        """Headers of a staff member holding ``handle_privacy`` (the DPO)."""
        profile = await self.register()
        await self.make_admin(profile["email"], user_type="customer", permissions=["handle_privacy"])
        return self.auth(await self.login(profile["email"]))


@pytest.fixture
def api(client: httpx.AsyncClient, container: Container) -> PrivacyApi:
    return PrivacyApi(client, container)
