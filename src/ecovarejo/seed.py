"""``ecovarejo seed-demo``: the demo tenant and each context's demo data, idempotently."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from sqlalchemy import select

from .bootstrap import build_container
from .core.container import Container
from .core.models import Tenant
from .core.settings import Settings

DEMO_TENANT = {"slug": "demo", "name": "EcoVarejo Demo", "domain": "demo.localhost"}


async def ensure_tenant(container: Container, slug: str, name: str | None = None, domain: str | None = None) -> Tenant:
    async with container.db.system_session() as s:
        tenant = await s.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            tenant = Tenant(slug=slug, name=name or slug.title(), domain=domain, settings={})
            s.add(tenant)
            await s.commit()
        return tenant


async def run_seed(
    settings: Settings,
    *,
    tenant_slug: str = "default",
    options: dict[str, Any] | None = None,
    console: Console | None = None,
) -> list[Tenant]:
    """Seed ``tenant_slug`` (created if new) and the ``demo`` tenant with every context's demo data."""
    console = console or Console(stderr=True)
    options = options or {}
    container = build_container(settings, run_relay=False, run_consumers=False)
    seeded = []
    try:
        targets = [await ensure_tenant(container, tenant_slug)]
        if tenant_slug != DEMO_TENANT["slug"]:
            targets.append(await ensure_tenant(container, **DEMO_TENANT))
        specs = sorted((s for s in container.contexts if s.seed_demo), key=lambda s: s.seed_order)
        for tenant in targets:
            for spec in specs:
                assert spec.seed_demo is not None
                async with container.uow(tenant.id, actor="seed-demo") as uow:
                    await spec.seed_demo(container, uow, {**options, "console": console, "tenant": tenant})
                    await uow.commit()
            console.print(f"[green]✓[/] tenant [bold]{tenant.slug}[/] seeded")
            seeded.append(tenant)
    finally:
        await container.stop()
    return seeded
