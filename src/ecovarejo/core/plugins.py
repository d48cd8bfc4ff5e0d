"""How a context plugs into the platform: one ``plugin.py`` per context package exposing ``CONTEXT``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .consumers import Consumer
from .personal_data import PersonalData

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI

    from .container import Container
    from .uow import UnitOfWork


@dataclass
class ContextSpec:
    name: str
    #: Routers included as they are. API routers carry their full prefix (``APIRouter(prefix="/api/v1")``)
    #: so that each route's template (logs, metrics, traces) is the whole path.
    routers: list[APIRouter] = field(default_factory=list)
    #: Builds this context's ports into ``container.ports`` for the run mode.
    install: Callable[[Container], None] | None = None
    #: Event consumers this context runs (with the container, for ports).
    consumers: Callable[[Container], list[Consumer]] | None = None
    #: Adds middleware or mounts to the app (gateway, web).
    setup_app: Callable[[FastAPI, Container], None] | None = None
    #: Fills a tenant with demo data (``ecovarejo seed-demo``); gets options such as ``products``.
    seed_demo: Callable[[Container, UnitOfWork, dict[str, Any]], Awaitable[None]] | None = None
    #: Order among contexts for seeding (lower first).
    seed_order: int = 100
    #: Background jobs for the worker: (name, interval seconds, coroutine function of the container).
    jobs: list[tuple[str, float, Callable[[Container], Awaitable[None]]]] = field(default_factory=list)
    #: The personal data this context keeps (LGPD): the privacy context's registry reads it.
    personal_data: PersonalData | None = None
