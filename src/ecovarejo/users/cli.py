"""``ecovarejo users ...``: JWT key rotation and a first admin account."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from ecovarejo.core.commands import command_container

app = typer.Typer(help="Accounts and authentication: signing keys, admin accounts.", no_args_is_help=True)
keys_app = typer.Typer(help="JWT signing keys (the first key signs; all verify).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
console = Console(stderr=True)

if TYPE_CHECKING:
    from .keys import KeyRing


def _ring() -> KeyRing:
    from ecovarejo.core.settings import get_settings

    from .keys import load_key_ring

    return load_key_ring(get_settings())


@keys_app.command("list")
def keys_list() -> None:
    """The keys' ids, signing key first."""
    ring = _ring()
    for i, kid in enumerate(ring.kids):
        typer.echo(f"{kid}\t{'signing' if i == 0 else 'verify-only'}")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """A new signing key; the old ones keep verifying until retired."""
    kid = _ring().rotate()
    console.print(f"[green]✓[/] new signing key {kid}")


@keys_app.command("add")
def keys_add() -> None:
    """A new verify-only key (step one of a rotation across processes)."""
    console.print(f"[green]✓[/] added verify-only key {_ring().add_verification_key()}")


@keys_app.command("promote")
def keys_promote(kid: Annotated[str, typer.Argument(help="key id")]) -> None:
    """Make KID the signing key (step two)."""
    _ring().promote(kid)
    console.print(f"[green]✓[/] {kid} signs new tokens")


@keys_app.command("retire")
def keys_retire(kid: Annotated[str, typer.Argument(help="key id")]) -> None:
    """Remove KID: tokens it signed stop verifying (wait for them to expire first)."""
    _ring().retire(kid)
    console.print(f"[green]✓[/] retired {kid}")


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="admin email")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    tenant: Annotated[str, typer.Option(help="tenant slug")] = "default",
    first_name: Annotated[str, typer.Option()] = "Admin",
    last_name: Annotated[str, typer.Option()] = "EcoVarejo",
) -> None:
    """Create an admin account in TENANT (or make an existing account admin)."""

    async def run() -> None:
        from sqlalchemy import select

        from ecovarejo.core.models import Tenant

        from . import repository as repo
        from .models import User
        from .passwords import check_policy, hash_password

        check_policy(password, email=email)
        container = command_container()
        try:
            async with container.db.system_session() as s:
                row = await s.scalar(select(Tenant).where(Tenant.slug == tenant))
            if row is None:
                raise typer.BadParameter(f"unknown tenant {tenant!r}")
            async with container.uow(row.id, actor="cli") as uow:
                user = await repo.get_user_by_email(uow, email)
                if user is None:
                    user = User(
                        email=email.strip().lower(),
                        password_hash=hash_password(password),
                        first_name=first_name,
                        last_name=last_name,
                        email_verified=True,
                        permissions=[],
                    )
                    uow.session.add(user)
                user.user_type = "admin"
                await uow.commit()
        finally:
            await container.stop()
        console.print(f"[green]✓[/] {email} is an admin of tenant {tenant}")

    asyncio.run(run())
