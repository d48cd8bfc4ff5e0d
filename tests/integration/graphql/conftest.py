"""The app with GraphQL, driven by a standard GraphQL client (``gql`` over its httpx transport)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.transport.httpx import HTTPXAsyncTransport

from ecovarejo.app import create_app
from ecovarejo.bootstrap import build_container, load_contexts
from ecovarejo.core.container import Container
from ecovarejo.core.settings import Settings

#: The contexts GraphQL stands on.
CONTEXTS = ("users", "products", "inventory", "orders", "payments", "graphql", "gateway")


@dataclass
class GraphQLApp:
    container: Container
    http: httpx.AsyncClient
    app: Any

    async def execute(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        transport = HTTPXAsyncTransport(
            url="http://testserver/graphql",
            transport=httpx.ASGITransport(app=self.app, raise_app_exceptions=False),
            headers=headers,
        )
        async with Client(transport=transport) as session:
            return await session.execute(gql(query), variable_values=variables)


@pytest.fixture
def graphql_app():
    @asynccontextmanager
    async def factory(settings: Settings) -> AsyncIterator[GraphQLApp]:
        container = build_container(settings, contexts=load_contexts(set(CONTEXTS)))
        await container.start()
        app = create_app(container=container)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                yield GraphQLApp(container, http, app)
        finally:
            await container.stop()

    return factory
