"""GraphQL mounted at ``/graphql``.

The schema (Strawberry and every type of the served contexts) is built on the first GraphQL request,
in a thread, not at process start: ``serve`` answers sooner and an API worker that never sees a GraphQL
request never holds it in memory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec


class LazyGraphQL:
    """The ``/graphql`` endpoint: builds the real router once, then hands every request to it."""

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None
        self._lock = asyncio.Lock()

    async def app(self) -> ASGIApp:
        if self._app is None:
            async with self._lock:
                if self._app is None:
                    self._app = await asyncio.to_thread(self._build)
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (await self.app())(scope, receive, send)


def setup_app(app: FastAPI, container: Container) -> None:
    served = {spec.name for spec in container.contexts}
    if not served & {"users", "products", "orders"}:
        return
    dev_tools = container.settings.dev_tools_enabled

    def build() -> Any:
        from .schema import build_router

        return build_router(served, dev_tools=dev_tools)

    lazy = LazyGraphQL(build)
    app.state.graphql = lazy
    app.router.routes.append(Route("/graphql", lazy, methods=["GET", "POST"], include_in_schema=False))


CONTEXT = ContextSpec(name="graphql", setup_app=setup_app, edge=True)
