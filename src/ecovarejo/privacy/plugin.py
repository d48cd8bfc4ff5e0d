"""The privacy context plugged into the platform."""

from __future__ import annotations

from ecovarejo.core.container import Container
from ecovarejo.core.personal_data import KERNEL, PersonalData
from ecovarejo.core.plugins import ContextSpec

from .api import router
from .personal_data import DECLARATION as PERSONAL_DATA
from .registry import PORT, Registry
from .retention import retention_job


def install(container: Container) -> None:
    declared = container.ports.get(PORT)
    declarations: tuple[PersonalData, ...] = tuple(declared) if isinstance(declared, tuple) else (KERNEL,)
    container.ports[PORT] = Registry(declarations)


CONTEXT = ContextSpec(
    name="privacy",
    routers=[router],
    install=install,
    personal_data=PERSONAL_DATA,
    jobs=[("privacy.retention", 3600.0, retention_job)],
)
