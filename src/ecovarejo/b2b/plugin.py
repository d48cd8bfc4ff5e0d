"""The b2b context plugged into the platform."""

from __future__ import annotations

from ecovarejo.core.plugins import ContextSpec

from . import models as _models  # noqa: F401  (its tables on the shared metadata)
from .api import admin, router
from .personal_data import DECLARATION as PERSONAL_DATA

CONTEXT = ContextSpec(name="b2b", routers=[router, admin], personal_data=PERSONAL_DATA)
