"""GraphQL mounted at ``/graphql``."""

from __future__ import annotations

from fastapi import FastAPI

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec


def setup_app(app: FastAPI, container: Container) -> None:
    from .schema import build_router

    served = {spec.name for spec in container.contexts}
    if served & {"users", "products", "orders"}:
        app.include_router(build_router(served, dev_tools=container.settings.dev_tools_enabled))


CONTEXT = ContextSpec(name="graphql", setup_app=setup_app, edge=True)
