"""``ecovarejo privacy ...``: the personal-data registry, the audit chain's verification, retention."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(help="LGPD: personal-data registry, audit log, retention.", no_args_is_help=True)
console = Console(stderr=True)


@app.command("fields")
def fields() -> None:
    """Every personal field with its category, legal basis, retention and erasure rule (Markdown)."""
    from ecovarejo.bootstrap import personal_data_declarations

    from .registry import Registry, fields_markdown

    typer.echo(fields_markdown(Registry(personal_data_declarations())), nl=False)
