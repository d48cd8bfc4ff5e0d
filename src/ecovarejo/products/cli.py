"""``ecovarejo products import|export``: the catalog as CSV, with a progress bar; all or nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ecovarejo.core.commands import command_container
from ecovarejo.core.errors import DomainError

app = typer.Typer(help="Catalog: CSV import and export.", no_args_is_help=True)
console = Console(stderr=True)


async def _tenant_id(container, slug: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from ecovarejo.core.models import Tenant

    async with container.db.system_session() as s:
        tid = await s.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tid is None:
        raise typer.BadParameter(f"no tenant {slug!r}")
    return tid


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="CSV file", exists=True, dir_okay=False, readable=True)],
    tenant: Annotated[str, typer.Option(help="tenant slug")] = "default",
) -> None:
    """Import products (with variants and certifications) from CSV; any bad row rejects the file."""

    from . import csv_io

    text = path.read_text(encoding="utf-8-sig")

    async def run() -> dict[str, int]:
        container = command_container()
        try:
            tid = await _tenant_id(container, tenant)
            with Progress(
                TextColumn("[green]importando[/]"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                console=console,
            ) as bar:  # fmt: skip
                task = bar.add_task("rows", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                async with container.uow(tid, actor="cli:products-import") as uow:
                    result = await csv_io.import_csv(uow, text, None, progress=progress)
                    await uow.commit()
            return result
        finally:
            await container.stop()

    try:
        result = asyncio.run(run())
    except DomainError as exc:
        console.print(f"[red]✗[/] {exc.detail}")
        errors = exc.extra.get("errors") or []
        if errors:
            table = Table("line", "sku", "reason")
            for e in errors:
                table.add_row(str(e["line"]), str(e.get("sku") or ""), str(e["reason"]))
            console.print(table)
        raise typer.Exit(1) from exc
    console.print(f"[green]✓[/] {result['created']} created, {result['updated']} updated")


@app.command("export")
def export(
    path: Annotated[Path, typer.Argument(help="CSV file to write ('-' for stdout)")],
    tenant: Annotated[str, typer.Option(help="tenant slug")] = "default",
) -> None:
    """Export the catalog to CSV (the import format)."""

    from . import csv_io

    async def run() -> str:
        container = command_container()
        try:
            tid = await _tenant_id(container, tenant)
            with console.status("exportando"):
                async with container.uow(tid, read_only=True) as uow:
                    return await csv_io.export_csv(uow)
        finally:
            await container.stop()

    text = asyncio.run(run())
    if str(path) == "-":
        typer.echo(text, nl=False)
    else:
        path.write_text(text, encoding="utf-8")
        console.print(f"[green]✓[/] {max(0, text.count(chr(10)) - 1)} products written to {path}")
