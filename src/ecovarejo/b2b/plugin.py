"""The b2b context plugged into the platform."""

from __future__ import annotations

from ecovarejo.core.plugins import ContextSpec

from . import credit_models as _credit_models  # noqa: F401  (invoiced terms' tables)
from . import models as _models  # noqa: F401  (its tables on the shared metadata)
from .api import admin, router
from .credit_api import admin as credit_admin
from .credit_api import router as credit_router
from .credit_jobs import consumers, overdue_job
from .personal_data import DECLARATION as PERSONAL_DATA

CONTEXT = ContextSpec(
    name="b2b",
    routers=[router, admin, credit_router, credit_admin],
    personal_data=PERSONAL_DATA,
    consumers=consumers,
    jobs=[("b2b.overdue_instalments", 3600.0, overdue_job)],
)
