"""The analytics context plugged into the platform: report API, fact consumers, demo history."""

from __future__ import annotations

from ecovarejo.core.plugins import ContextSpec

from .api import router
from .demo import seed_demo
from .events import consumers
from .personal_data import DECLARATION as PERSONAL_DATA

CONTEXT = ContextSpec(
    name="analytics",
    routers=[router],
    consumers=consumers,
    personal_data=PERSONAL_DATA,
    seed_demo=seed_demo,
    seed_order=90,
)
