"""``ecovarejo analytics backfill``: rebuild the facts from the existing orders, with a progress bar."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

app = typer.Typer(help="Analytics: facts and reports.", no_args_is_help=True)
console = Console(stderr=True)


@app.command("backfill")
def backfill(
    tenant: Annotated[str, typer.Option(help="tenant slug")] = "default",
    restart: Annotated[bool, typer.Option(help="start again from the newest order instead of resuming")] = False,
) -> None:
    """Rebuild the order facts of a tenant from its orders (idempotent; resumes where a run stopped)."""
    from sqlalchemy import select

    from ecovarejo.core.commands import command_container
    from ecovarejo.core.models import Tenant

    from . import public

    async def run() -> int:
        container = command_container()
        try:
            async with container.db.system_session() as s:
                tid: uuid.UUID | None = await s.scalar(select(Tenant.id).where(Tenant.slug == tenant))
            if tid is None:
                raise typer.BadParameter(f"no tenant {tenant!r}")
            with Progress(
                TextColumn("[green]pedidos[/]"), BarColumn(), MofNCompleteColumn(), console=console
            ) as bar:  # fmt: skip
                task = bar.add_task("orders", total=None)
                return await public.backfill(
                    container,
                    tid,
                    restart=restart,
                    progress=lambda n: bar.update(task, completed=n),
                    rollup_progress=lambda step: console.print(
                        "  clientes e coortes refeitos" if step == "customers" else f"  agregados de {step} refeitos"
                    ),
                )
        finally:
            await container.stop()

    n = asyncio.run(run())
    console.print(f"[green]✓[/] {n} pedidos reconstruídos")


@app.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="directory (or mounted bucket) to write the Parquet files to")],
    tenant: Annotated[str, typer.Option(help="tenant slug")] = "default",
    start: Annotated[str | None, typer.Option(help="first day, YYYY-MM-DD (default: a year ago)")] = None,
    end: Annotated[str | None, typer.Option(help="last day, YYYY-MM-DD (default: today)")] = None,
) -> None:
    """Export the tenant's facts as Parquet partitioned by tenant and day (Spark/Trino/DuckDB read them)."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from ecovarejo.core.commands import command_container
    from ecovarejo.core.models import Tenant

    from . import public

    last = date.fromisoformat(end) if end else date.today()
    first = date.fromisoformat(start) if start else last - timedelta(days=365)

    async def run() -> dict[str, int]:
        container = command_container()
        try:
            async with container.db.system_session() as s:
                tid: uuid.UUID | None = await s.scalar(select(Tenant.id).where(Tenant.slug == tenant))
            if tid is None:
                raise typer.BadParameter(f"no tenant {tenant!r}")
            with Progress(TextColumn("[green]{task.description}[/]"), MofNCompleteColumn(), console=console) as bar:
                tasks: dict[str, Any] = {}

                def step(name: str, rows: int) -> None:
                    if name not in tasks:
                        tasks[name] = bar.add_task(name, total=None)
                    bar.update(tasks[name], completed=rows)

                return await public.export_facts(container, tid, out, first, last, progress=step)
        finally:
            await container.stop()

    for name, rows in asyncio.run(run()).items():
        console.print(f"[green]✓[/] {name}: {rows} linhas")
