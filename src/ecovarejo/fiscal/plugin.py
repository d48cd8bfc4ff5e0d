"""The fiscal context plugged into the platform."""

from __future__ import annotations

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec

from . import models as _models  # noqa: F401  (its tables on the shared metadata)
from .api import admin
from .personal_data import DECLARATION as PERSONAL_DATA
from .service import RulesCache


def install(container: Container) -> None:
    container.ports.provide(RulesCache, RulesCache())


CONTEXT = ContextSpec(name="fiscal", routers=[admin], install=install, personal_data=PERSONAL_DATA)
