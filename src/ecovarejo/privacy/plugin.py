"""The privacy context plugged into the platform."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecovarejo.core.container import Container
from ecovarejo.core.personal_data import KERNEL
from ecovarejo.core.plugins import ContextSpec

from .collection import consumers
from .keys import rotation_job
from .personal_data import DECLARATION as PERSONAL_DATA
from .registry import Registry
from .retention import retention_job

if TYPE_CHECKING:
    from fastapi import APIRouter


def install(container: Container) -> None:
    container.ports.provide(
        Registry, Registry(container.personal_data or (KERNEL,), secret=container.settings.load_secret_key())
    )


def _routers() -> list[APIRouter]:
    """Imported when a process serves the API, not by a one-off command."""
    from .api import router

    return [router]


CONTEXT = ContextSpec(
    name="privacy",
    routers=_routers,
    install=install,
    personal_data=PERSONAL_DATA,
    consumers=consumers,
    jobs=[("privacy.retention", 3600.0, retention_job), ("privacy.key-rotation", 86400.0, rotation_job)],
)
