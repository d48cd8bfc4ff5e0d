"""``ecovarejo tenants ...``: tenants as an operator needs them.

- ``create SLUG --name NAME --admin-email EMAIL [--domain HOST]``: a tenant with its first staff account
  (an admin without a password, invited by e-mail to choose one) and no demo data; ``--domain`` makes
  requests for that host name select the tenant.
- ``list``: every tenant with its domain and whether it is active (also ``ecovarejo tenants`` alone).
- ``disable SLUG`` / ``enable SLUG``: a disabled tenant is no longer selected by its domain or slug.

The invitation is an outbox event: the relay and the notifications consumer (a worker, or the API
process in embedded mode) send the e-mail.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Tenants: create (with a first admin, by invitation), list, disable.", invoke_without_command=True
)
console = Console(stderr=True)

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@app.callback()
def _default(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        list_tenants()


@app.command("list")
def list_tenants() -> None:
    """Every tenant: slug, name, domain, active, id."""
    from sqlalchemy import select

    from .bootstrap import build_container
    from .core.models import Tenant
    from .core.settings import get_settings

    async def _list() -> list[Tenant]:
        c = build_container(get_settings(), contexts=[])
        try:
            async with c.db.system_session() as s:
                return list((await s.scalars(select(Tenant).order_by(Tenant.slug))).all())
        finally:
            await c.db.dispose()

    table = Table("slug", "name", "domain", "active", "id")
    for t in asyncio.run(_list()):
        table.add_row(t.slug, t.name, t.domain or "", "yes" if t.is_active else "no", str(t.id))
    Console(width=200).print(table)


@app.command("create")
def create(
    slug: Annotated[str, typer.Argument(help="short name: lowercase letters, digits, hyphens")],
    name: Annotated[str, typer.Option(help="the shop's name")],
    admin_email: Annotated[str, typer.Option(help="e-mail of the first staff account (invited to set a password)")],
    domain: Annotated[str, typer.Option(help="host name that selects this tenant, e.g. loja.example.com.br")] = "",
    admin_first_name: Annotated[str, typer.Option()] = "Administrador",
    admin_last_name: Annotated[str, typer.Option()] = "da loja",
) -> None:
    """Create a tenant with its first admin (invited by e-mail) and no demo data."""
    slug = slug.strip().lower()
    domain = domain.strip().lower().rstrip(".")
    if not SLUG.match(slug):
        raise typer.BadParameter("lowercase letters, digits and hyphens, at most 63", param_hint="SLUG")
    if domain and not DOMAIN.match(domain):
        raise typer.BadParameter(f"{domain!r} is not a host name", param_hint="--domain")
    if "@" not in admin_email:
        raise typer.BadParameter(f"{admin_email!r} is not an e-mail address", param_hint="--admin-email")

    async def run() -> str:
        from sqlalchemy import or_, select

        from .bootstrap import build_command_container
        from .core.models import Tenant
        from .core.settings import get_settings
        from .users.public import invite_staff

        container = build_command_container(get_settings())
        await container.start()
        try:
            async with container.db.system_session() as s:
                clash = await s.scalar(
                    select(Tenant).where(
                        or_(Tenant.slug == slug, Tenant.domain == domain) if domain else Tenant.slug == slug
                    )
                )
                if clash is not None:
                    what = "slug" if clash.slug == slug else "domain"
                    raise typer.BadParameter(f"tenant {clash.slug!r} already has this {what}")
                tenant = Tenant(slug=slug, name=name.strip(), domain=domain or None, settings={})
                s.add(tenant)
                await s.commit()
                tenant_id = tenant.id
            try:
                async with container.uow(tenant_id, actor="cli:tenants") as uow:
                    await invite_staff(
                        container,
                        uow,
                        email=admin_email,
                        first_name=admin_first_name,
                        last_name=admin_last_name,
                    )
                    await uow.commit()
            except BaseException:
                # No tenant without its admin: undo the tenant row.
                async with container.db.system_session() as s:
                    row = await s.get(Tenant, tenant_id)
                    if row is not None:
                        await s.delete(row)
                        await s.commit()
                raise
            return str(tenant_id)
        finally:
            await container.stop()

    tenant_id = asyncio.run(run())
    console.print(f"[green]✓[/] tenant {slug} ({tenant_id}) created; invitation to {admin_email} queued")
    if domain:
        console.print(f"  served at https://{domain}/ once DNS and the certificate point at the platform")


def _set_active(slug: str, active: bool) -> None:
    from sqlalchemy import select

    from .bootstrap import build_container
    from .core.models import Tenant
    from .core.settings import get_settings

    async def run() -> bool:
        c = build_container(get_settings(), contexts=[])
        try:
            async with c.db.system_session() as s:
                row = await s.scalar(select(Tenant).where(Tenant.slug == slug))
                if row is None:
                    return False
                row.is_active = active
                await s.commit()
                return True
        finally:
            await c.db.dispose()

    if not asyncio.run(run()):
        raise typer.BadParameter(f"unknown tenant {slug!r}", param_hint="SLUG")
    console.print(f"[green]✓[/] tenant {slug} {'enabled' if active else 'disabled'}")


@app.command("disable")
def disable(slug: Annotated[str, typer.Argument(help="tenant slug")]) -> None:
    """Stop serving a tenant (its data stays; `enable` brings it back)."""
    _set_active(slug, False)


@app.command("enable")
def enable(slug: Annotated[str, typer.Argument(help="tenant slug")]) -> None:
    """Serve a disabled tenant again."""
    _set_active(slug, True)
