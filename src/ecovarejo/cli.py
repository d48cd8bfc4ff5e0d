"""The ``ecovarejo`` command."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from . import __version__
from .core.commands import Root, use_root
from .core.settings import Settings, get_settings

if TYPE_CHECKING:
    from .core.container import Container
    from .core.personal_data import PersonalData

app = typer.Typer(help="EcoVarejo: sustainable e-commerce platform.", no_args_is_help=True, add_completion=False)
console = Console(stderr=True)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"ecovarejo {__version__}")


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="target revision")] = "heads",
    down: Annotated[bool, typer.Option("--down", help="downgrade to REVISION instead")] = False,
) -> None:
    """Apply (or revert) the database migrations."""
    from .core import migrate as m

    settings = get_settings()
    with console.status(f"Migrating {_redact(settings.effective_database_url)}"):
        if down:
            m.downgrade(settings, revision if revision != "heads" else "base")
        else:
            m.upgrade(settings, revision)
    console.print(f"[green]✓[/] database at {'base' if down and revision == 'heads' else revision}")


@app.command("seed-demo")
def seed_demo(
    tenant: Annotated[str, typer.Option(help="tenant slug to fill")] = "default",
    products: Annotated[int, typer.Option(help="number of catalog products (0: the context's default)")] = 0,
    history_scale: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="share of the year of demo order history (1: ~12 orders a day)")
    ] = 1.0,
) -> None:
    """Fill a tenant (and the ``demo`` tenant) with demo data: users, catalog, stock, orders."""
    from .seed import run_seed

    options = {"products": products, "history_scale": history_scale}
    asyncio.run(run_seed(get_settings(), tenant_slug=tenant, options=options, console=console))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
    services: Annotated[str, typer.Option(help="serve only these contexts, comma-separated")] = "",
    reload: Annotated[bool, typer.Option(help="reload on code change (development)")] = False,
    embedded_workers: Annotated[bool, typer.Option(help="run the outbox relay and consumers in this process")] = True,
) -> None:
    """Serve the platform over HTTP (API, storefront, admin)."""
    import uvicorn

    from ecovarejo.core.serving import server_options

    if services:
        os.environ["ECOVAREJO_SERVICES"] = services
    if not embedded_workers:
        os.environ["ECOVAREJO_EMBEDDED_WORKERS"] = "false"
    get_settings.cache_clear()
    settings = get_settings()
    if workers > 1 and not settings.database_url:
        console.print("[yellow]SQLite with several workers: each process runs its own relay; fine for trying out.[/]")
    console.print(f"[bold green]EcoVarejo[/] on http://{host}:{port}  ({_mode(settings)})")
    uvicorn.run(
        "ecovarejo.asgi:app",
        host=host,
        port=port,
        workers=workers if not reload else None,
        reload=reload,
        log_level="warning",
        access_log=False,
        **server_options(settings, workers if not reload else 1),  # header/time limits, concurrency, proxies
    )


@app.command()
def worker(
    services: Annotated[str, typer.Option(help="run consumers of these contexts only")] = "",
    relay_too: Annotated[bool, typer.Option("--relay/--no-relay", help="also run the outbox relay")] = True,
    ops_port: Annotated[int | None, typer.Option(help="port of /livez, /readyz, /metrics (0: none)")] = None,
) -> None:
    """Run event consumers and scheduled jobs (and the relay) without serving pages."""
    if services:
        os.environ["ECOVAREJO_SERVICES"] = services
    get_settings.cache_clear()
    asyncio.run(_run_worker(_with_ops_port(get_settings(), ops_port), relay=relay_too, consumers=True))
    _exit_at_once()


@app.command()
def relay(
    ops_port: Annotated[int | None, typer.Option(help="port of /livez, /readyz, /metrics (0: none)")] = None,
) -> None:
    """Run only the outbox relay (publishes committed events to the bus)."""
    asyncio.run(_run_worker(_with_ops_port(get_settings(), ops_port), relay=True, consumers=False))
    _exit_at_once()


def _exit_at_once() -> None:
    """Everything is closed (database, bus, tasks): end the process without the interpreter's teardown of
    every imported module, which took ~8 s on a loaded machine and counted against SIGTERM's grace."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _with_ops_port(settings: Settings, port: int | None) -> Settings:
    return settings if port is None else settings.model_copy(update={"ops_port": port})


async def _run_worker(settings: Settings, *, relay: bool, consumers: bool) -> None:
    """Start, serve the ops port, and on SIGTERM/SIGINT stop: readiness turns 503 at once, the relay and
    consumers stop fetching and finish what they hold (``Container.stop``, at most its 5 s grace)."""
    import time

    from .bootstrap import build_container
    from .core.logging import configure_logging
    from .jobs import start_jobs

    configure_logging(settings.log_level, settings.log_json)
    container = build_container(settings, run_relay=relay, run_consumers=consumers)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    role = "worker" if consumers else "relay"
    ops = _ops_server(container, settings, role) if settings.ops_port else None
    ops_task = asyncio.create_task(ops.serve(), name=f"{role}-ops-http") if ops is not None else None
    await container.start()
    console.print(
        f"[green]{role}[/] relay={'on' if relay else 'off'} consumers={len(container.consumers) if consumers else 0} "
        f"ops={'http://' + settings.ops_host + ':' + str(settings.ops_port) if ops else 'off'} ({_mode(settings)})"
    )
    if consumers:
        start_jobs(container)  # tasks of the container: its stop ends them before closing the database
    if ops_task is not None:  # an ops server that ends by itself (its port taken) stops the process
        ops_task.add_done_callback(lambda _: stop.set())
    await stop.wait()
    began = time.monotonic()
    if ops is not None:
        ops.config.app.state.stopping = True  # readiness answers 503 while the work in hand finishes
    await container.stop()
    if ops is not None and ops_task is not None:
        ops.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await ops_task
    console.print(f"{role} stopped in {time.monotonic() - began:.2f} s")
    if ops_task is not None and not ops_task.cancelled() and ops_task.exception() is not None:
        raise typer.Exit(1)


def _ops_server(container: Container, settings: Settings, role: str) -> Any:
    """uvicorn serving :func:`ecovarejo.app.create_ops_app`, leaving signals to the worker."""
    import uvicorn

    from .app import create_ops_app

    class OpsServer(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Any:  # the worker's own handlers stay in place
            yield

    config = uvicorn.Config(
        create_ops_app(container, role=role),
        host=settings.ops_host,
        port=settings.ops_port,
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    return OpsServer(config)


def _mode(settings: Settings) -> str:
    db = "PostgreSQL" if settings.is_postgres else "SQLite"
    bus = "NATS JetStream" if settings.broker_url else "in-process bus"
    cache = "Redis" if settings.redis_url else "in-process cache"
    return f"{db}, {bus}, {cache}"


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


events_app = typer.Typer(help="The event bus: dead letters.", no_args_is_help=True)
dead_letters_app = typer.Typer(help="Events a consumer gave up on: list, replay, discard.", no_args_is_help=True)
events_app.add_typer(dead_letters_app, name="dead-letters")
app.add_typer(events_app, name="events")


async def _with_container(fn: Any) -> Any:
    from .bootstrap import build_command_container

    container = build_command_container(get_settings())
    try:
        return await fn(container)
    finally:
        await container.stop()


@dead_letters_app.command("list")
def dead_letters_list(
    all_: Annotated[bool, typer.Option("--all", help="also those already replayed or discarded")] = False,
) -> None:
    """The dead letters, newest first."""
    from .core import deadletters

    rows = asyncio.run(_with_container(lambda c: deadletters.list_dead_letters(c, include_resolved=all_)))
    typer.echo("\t".join(("id", "consumer", "type", "attempts", "created", "resolved", "error")))
    for d in rows:  # one line each, tab-separated: readable and easy to grep or cut
        last = d.error.strip().splitlines()[-1] if d.error.strip() else ""
        created = d.created_at.isoformat(timespec="seconds")
        resolved = d.resolved_at.isoformat(timespec="seconds") if d.resolved_at else "-"
        typer.echo("\t".join((str(d.id), d.consumer, d.type, str(d.attempts), created, resolved, last[:120])))


@dead_letters_app.command("replay")
def dead_letters_replay(letter_id: Annotated[str, typer.Argument(help="the dead letter's id")]) -> None:
    """Hand the event to its consumer again (normal path, once-only); resolved when it succeeds."""
    import uuid

    from .core import deadletters

    actor = f"cli:{_operator()}"

    async def run(c: Container) -> str:
        letter = await deadletters.get_dead_letter(c, uuid.UUID(letter_id))
        outcome = await deadletters.replay(c, letter.id, actor=actor)
        await _audit_dead_letter(c, letter, "events.dead_letter_replayed", actor, outcome=outcome)
        return outcome

    outcome = asyncio.run(_with_container(run))
    console.print(f"replay: {outcome}")
    if outcome not in ("done", "duplicate"):
        raise typer.Exit(1)


@dead_letters_app.command("discard")
def dead_letters_discard(letter_id: Annotated[str, typer.Argument(help="the dead letter's id")]) -> None:
    """Give the event up for good (resolved, audited)."""
    import uuid

    from .core import deadletters

    actor = f"cli:{_operator()}"

    async def run(c: Container) -> None:
        letter = await deadletters.get_dead_letter(c, uuid.UUID(letter_id))
        await deadletters.discard(c, letter.id, actor=actor)
        await _audit_dead_letter(c, letter, "events.dead_letter_discarded", actor)

    asyncio.run(_with_container(run))
    console.print("discarded")


async def _audit_dead_letter(c: Container, letter: Any, action: str, actor: str, **extra: str) -> None:
    """In the letter's tenant audit log (a malformed message has no tenant: the log line is its trace)."""
    from .privacy import public as privacy

    if letter.tenant_id is None:
        return
    details = {"dead_letter": str(letter.id), "consumer": letter.consumer, "event_id": str(letter.event_id), **extra}
    async with c.uow(letter.tenant_id, actor=actor) as uow:
        await privacy.audit(uow, action, actor=actor, purpose="event operations", details=details)
        await uow.commit()


def _operator() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


from .tenants_cli import app as tenants_app  # noqa: E402  (create, list, disable tenants)

app.add_typer(tenants_app, name="tenants")


def _command_container(settings: Settings) -> Container:
    from .bootstrap import build_command_container

    return build_command_container(settings)


def _personal_data() -> tuple[PersonalData, ...]:
    from .bootstrap import personal_data_declarations

    return personal_data_declarations()


# the contexts' own commands reach the composition root through the kernel (they sit below it)
use_root(Root(build_container=_command_container, personal_data=_personal_data))

from .users.cli import app as users_app  # noqa: E402  (the users context's commands)

app.add_typer(users_app, name="users")

from .notifications.cli import app as notifications_app  # noqa: E402  (the notifications context's commands)

app.add_typer(notifications_app, name="notifications")

from .payments.cli import app as payments_app  # noqa: E402  (the payments context's commands)

app.add_typer(payments_app, name="payments")

from .products.cli import app as products_app  # noqa: E402  (the products context's commands)

app.add_typer(products_app, name="products")

from .privacy.cli import app as privacy_app  # noqa: E402  (the privacy context's commands)

app.add_typer(privacy_app, name="privacy")

from .analytics.cli import app as analytics_app  # noqa: E402  (the analytics context's commands)

app.add_typer(analytics_app, name="analytics")

from .ml.cli import app as ml_app  # noqa: E402  (the ml context's commands)

app.add_typer(ml_app, name="ml")


if __name__ == "__main__":
    app()
