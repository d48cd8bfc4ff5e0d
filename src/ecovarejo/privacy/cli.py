"""``ecovarejo privacy ...``: the personal-data registry, the audit chain's verification, retention."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from ecovarejo.core.commands import command_container, personal_data

app = typer.Typer(help="LGPD: personal-data registry, audit log, retention.", no_args_is_help=True)
console = Console(stderr=True)


@app.command("fields")
def fields() -> None:
    """Every personal field with its category, legal basis, retention and erasure rule (Markdown)."""

    from .registry import Registry, fields_markdown

    typer.echo(fields_markdown(Registry(personal_data())), nl=False)


audit_app = typer.Typer(help="The hash-chained audit log of personal-data processing.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    tenant: Annotated[str | None, typer.Option(help="tenant slug (default: every tenant)")] = None,
) -> None:
    """Recompute every tenant's chain; exit 1 and say where when an entry was changed, removed or inserted."""

    async def run() -> bool:
        from . import repository as repo
        from .audit import verify

        container = command_container()
        intact = True
        try:
            async with container.uow(None, read_only=True) as platform:
                rows = [t for t in await repo.tenants(platform) if tenant is None or t.slug == tenant]
            if tenant is not None and not rows:
                raise typer.BadParameter(f"unknown tenant {tenant!r}")
            for row in rows:
                async with container.uow(row.id, read_only=True) as uow:
                    report = await verify(uow)
                if report.ok:
                    typer.echo(f"{row.slug}\tintact\t{report.entries} entries")
                else:
                    intact = False
                    typer.echo(f"{row.slug}\tBROKEN at entry {report.broken_at}: {report.reason}")
        finally:
            await container.stop()
        return intact

    if not asyncio.run(run()):
        raise typer.Exit(1)


keys_app = typer.Typer(help="Encryption at rest: data keys and their rotation.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("status")
def keys_status() -> None:
    """The data keys (never their material): status, age, rotation progress."""

    async def run() -> None:
        from .keys import status

        container = command_container()
        try:
            for row in await status(container):
                typer.echo("\t".join(f"{k}={v}" for k, v in row.items()))
        finally:
            await container.stop()

    asyncio.run(run())


@keys_app.command("rotate")
def keys_rotate(
    now: Annotated[bool, typer.Option("--now", help="a new data key now, whatever its age")] = False,
    max_batches: Annotated[int | None, typer.Option(help="stop after this many batches (resume later)")] = None,
    batch: Annotated[int, typer.Option(help="rows per column per batch")] = 500,
) -> None:
    """Run the rotation job once: new key when due (or --now), re-encrypt, re-wrap, retire unused keys."""

    async def run() -> None:
        from .keys import rotate

        container = command_container()
        try:
            r = await rotate(container, force_new_key=now, batch=batch, max_batches=max_batches)
            typer.echo(
                f"current={r.current} new_key={r.new_key} rewrapped={r.rewrapped} "
                f"reencrypted={r.reencrypted} remaining={r.remaining} retired={r.retired}"
            )
        finally:
            await container.stop()

    asyncio.run(run())
