"""``ecovarejo notifications ...``: check the email settings, send what is due, show the VAPID key."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from ecovarejo.core.commands import command_container

if TYPE_CHECKING:
    from ecovarejo.core.container import Container

app = typer.Typer(help="Notifications: test email, dispatch, Web Push key.", no_args_is_help=True)
console = Console(stderr=True)


def _container() -> Container:
    return command_container()


@app.command("send-test")
def send_test(
    to: Annotated[str, typer.Argument(help="email address")],
    tenant: Annotated[str, typer.Option(help="tenant slug or id")] = "default",
    locale: Annotated[str, typer.Option(help="pt-BR or en")] = "pt-BR",
) -> None:
    """Send a test email through the configured channel (SMTP, or the local outbox) and report the outcome."""
    from . import service
    from .models import FINAL_STATUSES

    async def run() -> tuple[str, str | None]:
        container = _container()
        try:
            info = await container.tenants.resolve(header=tenant, host=None)
            rt = service.runtime(container)
            async with container.uow(info.id, actor="cli") as uow:
                [msg] = await service.request_notification(
                    uow, rt, service.Request(template="test_message", context={}, to_email=to, locale=locale)
                )
                await uow.commit()
            await rt.dispatcher.aclose()  # this command sends by itself, below
            while msg.status not in FINAL_STATUSES:
                await rt.dispatcher.run_once()
                msg = await service.get_message(container, msg.id)
                if msg.status == "retrying":
                    break  # a temporary failure: a worker will retry it
            return msg.status, msg.last_error
        finally:
            await container.stop()

    status, error = asyncio.run(run())
    if status == "sent":
        console.print(f"[green]✓[/] sent to {to}")
        return
    console.print(f"[red]✗[/] {status}: {error}")
    raise typer.Exit(1)


@app.command()
def dispatch() -> None:
    """Send every message that is due now (what workers do every few seconds)."""
    from . import service

    async def run() -> int:
        container = _container()
        try:
            rt = service.runtime(container)
            total = 0
            while n := await rt.dispatcher.run_once():
                total += n
            return total
        finally:
            await container.stop()

    console.print(f"[green]✓[/] {asyncio.run(run())} message(s) handled")


@app.command("vapid-public-key")
def vapid_public_key() -> None:
    """The Web Push application server key (generated into DATA_DIR on first use)."""
    from ecovarejo.core.settings import get_settings

    from .channels.push import load_vapid, public_key_b64
    from .settings import NotificationSettings

    settings = get_settings()
    config = settings.section(NotificationSettings)
    typer.echo(public_key_b64(load_vapid(config.vapid_private_key_file or settings.data_dir / "vapid_private.pem")))
