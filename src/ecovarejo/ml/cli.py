"""``ecovarejo ml train|models``: train each tenant's models with progress, printing every model's
metric next to the baseline measured in the same run, and whether it was promoted."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .names import MODEL_NAMES

if TYPE_CHECKING:  # the training code (numpy, every context it reads) loads only when a command runs
    from .training import TrainingResult

app = typer.Typer(help="Machine learning: train and inspect each tenant's models.", no_args_is_help=True)
console = Console(stderr=True)


def results_table(rows: list[tuple[str, TrainingResult]]) -> Table:
    table = Table(title="Models vs baselines (same run)")
    for col in ("tenant", "model", "v", "metric", "model", "baseline", "promoted", "samples", "s"):
        table.add_column(col, justify="right" if col in ("v", "samples", "s") else "left", no_wrap=True)
    for slug, r in rows:
        table.add_row(
            slug, r.name, str(r.version), r.metric, f"{r.value:.4f}", f"{r.baseline:.4f}",
            "[green]yes[/]" if r.promoted else "[yellow]no[/]", str(r.samples), f"{r.seconds:.1f}",
        )  # fmt: skip
    return table


async def _train(tenant: str | None, models: list[str]) -> list[tuple[str, TrainingResult]]:
    from ecovarejo.core.commands import command_container

    from . import public

    container = command_container()
    out: list[tuple[str, TrainingResult]] = []
    try:
        targets = [(tid, slug) for tid, slug in await public.tenants(container) if tenant in (None, slug)]
        if not targets:
            raise typer.BadParameter(f"no tenant {tenant!r}")
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console,
        ) as progress:  # fmt: skip
            task = progress.add_task("training", total=len(targets) * len(models))
            for tid, slug in targets:

                def step(name: str, stage: str, slug: str = slug) -> None:
                    if stage == "training":
                        progress.update(task, description=f"{slug}: {name}")
                    else:
                        progress.advance(task)

                for r in await public.train(container, uuid.UUID(str(tid)), models, progress=step):
                    out.append((slug, r))
                    mark = "[green]promoted[/]" if r.promoted else "[yellow]not promoted[/]"
                    line = f"{r.metric} {r.value:.4f} vs baseline {r.baseline:.4f}"
                    progress.console.print(f"{slug} · {r.name} v{r.version}: {line} — {mark} ({r.reason})")
    finally:
        await container.stop()
    return out


@app.command()
def train(
    tenant: Annotated[str | None, typer.Option(help="tenant slug (all tenants when omitted)")] = None,
    model: Annotated[list[str] | None, typer.Option(help=f"model to train: {', '.join(MODEL_NAMES)} (all)")] = None,
) -> None:
    """Train, evaluate against the baseline and promote the models that beat it."""
    models = list(model or MODEL_NAMES)
    unknown = sorted(set(models) - set(MODEL_NAMES))
    if unknown:
        raise typer.BadParameter(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODEL_NAMES)}")
    rows = asyncio.run(_train(tenant, models))
    Console().print(results_table(rows))
