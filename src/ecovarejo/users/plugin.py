"""The users context plugged into the platform."""

from __future__ import annotations

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec

from .keys import load_key_ring
from .tokens import TokenService
from .wellknown import router as wellknown_router


def install(container: Container) -> None:
    ring = load_key_ring(container.settings)
    container.ports["jwt_keys"] = ring
    container.ports["authenticator"] = TokenService(ring, container.settings.public_url)


CONTEXT = ContextSpec(name="users", routers=[wellknown_router], install=install, seed_order=10)
