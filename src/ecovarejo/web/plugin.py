"""The web context: storefront and admin pages at the site root, static assets at ``/static``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec

from . import account, admin, admin_catalog, admin_ops, cart, pwa, storefront
from .security import PageSecurityMiddleware
from .templating import HERE


def setup_app(app: FastAPI, container: Container) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(PageSecurityMiddleware, settings=container.settings)


CONTEXT = ContextSpec(
    name="web",
    routers=[
        pwa.router,
        account.router,
        admin.router,
        admin_catalog.router,
        admin_ops.router,
        cart.router,
        storefront.router,
    ],
    setup_app=setup_app,
    seed_order=900,
)
