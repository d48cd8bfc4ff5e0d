"""The payments context (core): the gateway port with the built-in sandbox, payment records, and the
idempotency-key store."""

from __future__ import annotations

from ecovarejo.core.container import Container
from ecovarejo.core.plugins import ContextSpec

from .idempotency import purge_expired
from .sandbox import SandboxGateway


def install(container: Container) -> None:
    # Real providers (their own issue) replace this port when configured; the sandbox is the default.
    container.ports.setdefault("payment_gateway", SandboxGateway())


async def _purge(container: Container) -> None:
    await purge_expired(container)


CONTEXT = ContextSpec(
    name="payments", install=install, jobs=[("payments.purge_idempotency_keys", 3600.0, _purge)], seed_order=40
)
CONTEXT.routers.append(__import__("ecovarejo.payments.webhooks_api", fromlist=["router"]).router)  # providers layer
