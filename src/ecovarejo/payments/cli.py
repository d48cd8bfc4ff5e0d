"""``ecovarejo payments ...``: reconcile a provider's settlement report with our ledger."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from ecovarejo.core.commands import command_container

if TYPE_CHECKING:
    from ecovarejo.core.container import Container

    from .reconciliation import Result

app = typer.Typer(help="Payments: reconciliation of settlement reports.", no_args_is_help=True)
console = Console()


def _container() -> Container:
    return command_container()


@app.command("reconcile")
def reconcile(
    file: Annotated[Path, typer.Argument(help="the provider's settlement report (CSV)", exists=True, dir_okay=False)],
    provider: Annotated[str, typer.Option(help="stripe, mercadopago or pagseguro")] = "stripe",
    tenant: Annotated[str, typer.Option(help="tenant slug or id")] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Compare a settlement report with the ledger: matched, missing on either side, mismatches, fees."""
    from ecovarejo.core.errors import DomainError

    from . import reconciliation

    async def run() -> Result:
        container = _container()
        try:
            info = await container.tenants.resolve(header=tenant, host=None)
            async with container.uow(info.id, actor="cli") as uow:
                result, _ = await reconciliation.reconcile(
                    uow, provider, file.read_text(encoding="utf-8-sig"), source_name=file.name
                )
                await uow.commit()
                return result
        finally:
            await container.db.dispose()

    try:
        result = asyncio.run(run())
    except DomainError as exc:
        Console(stderr=True).print(f"[red]✗[/] {exc.detail}")
        raise typer.Exit(2) from exc
    if as_json:
        console.print_json(json.dumps(result.as_dict()))
    else:
        console.print(reconciliation.rich_table(result))
    if result.mismatches or result.missing_in_ledger or result.missing_in_report:
        raise typer.Exit(1)


@app.command("rotate-data-key")
def rotate_data_key(tenant: Annotated[str, typer.Option(help="tenant slug or id")] = "default") -> None:
    """Give a tenant's vault a new data key: new cards use it, stored cards keep decrypting with theirs."""
    from .setup import vault_of

    async def run() -> int:
        container = _container()
        try:
            info = await container.tenants.resolve(header=tenant, host=None)
            async with container.uow(info.id, actor="cli") as uow:
                version = await vault_of(container).rotate_data_key(uow)
                await uow.commit()
                return version
        finally:
            await container.db.dispose()

    console.print(f"[green]✓[/] data key version {asyncio.run(run())}")


@app.command("rewrap-keys")
def rewrap_keys(
    old_key_file: Annotated[Path, typer.Option(help="the current master key (base64)", exists=True, dir_okay=False)],
    new_key_file: Annotated[Path, typer.Option(help="the new master key (base64)", exists=True, dir_okay=False)],
) -> None:
    """Re-wrap every tenant's data keys under a new master key (then point MASTER_KEY_FILE at it)."""
    from .settings import PaymentsSettings
    from .vault import MasterKeys, rewrap_all

    old = PaymentsSettings(master_key_file=old_key_file).load_master_key(old_key_file.parent)
    new = PaymentsSettings(master_key_file=new_key_file).load_master_key(new_key_file.parent)
    if old == new:
        Console(stderr=True).print("[red]✗[/] the new master key is the old one")
        raise typer.Exit(2)

    async def run() -> int:
        container = _container()
        try:
            old_ring = MasterKeys.of(old)
            new_ring = MasterKeys.of(new)
            async with container.uow(None, actor="cli") as uow:
                count = await rewrap_all(uow, old_ring, new_ring)
                await uow.commit()
                return count
        finally:
            await container.db.dispose()

    console.print(f"[green]✓[/] {asyncio.run(run())} data key(s) re-wrapped")
