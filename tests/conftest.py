"""Shared fixtures. Servers come from environment variables; a test that needs one skips only when
its URL is unset (``.ci/run`` sets them all, so nothing skips in CI):

- ``ECOVAREJO_TEST_DATABASE_URL``: a PostgreSQL server (``postgresql+asyncpg://user@host/db``);
  each test gets a fresh database cloned from a migrated template.
- ``ECOVAREJO_TEST_REDIS_URL``, ``ECOVAREJO_TEST_BROKER_URL`` (NATS), ``ECOVAREJO_TEST_KAFKA_URL`` (a
  Kafka-protocol broker: ``.ci/run`` starts Tansu).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from ecovarejo.bootstrap import build_container
from ecovarejo.core import migrate
from ecovarejo.core.container import Container
from ecovarejo.core.settings import Settings
from ecovarejo.gateway.config import GatewaySettings

PG_URL = os.environ.get("ECOVAREJO_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("ECOVAREJO_TEST_REDIS_URL", "")
BROKER_URL = os.environ.get("ECOVAREJO_TEST_BROKER_URL", "")
KAFKA_URL = os.environ.get("ECOVAREJO_TEST_KAFKA_URL", "")
# Servers the tests start as subprocesses read it from the environment; containers built in-process
# get it from make_settings (the gateway's own tests turn it on).
os.environ.setdefault("ECOVAREJO_GATEWAY_RATE_LIMITS", "off")

needs_pg = pytest.mark.skipif(not PG_URL, reason="ECOVAREJO_TEST_DATABASE_URL is not set")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="ECOVAREJO_TEST_REDIS_URL is not set")
needs_nats = pytest.mark.skipif(not BROKER_URL, reason="ECOVAREJO_TEST_BROKER_URL is not set")
needs_kafka = pytest.mark.skipif(not KAFKA_URL, reason="ECOVAREJO_TEST_KAFKA_URL is not set (kafka://host:9092)")

BACKENDS = [pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=needs_pg)]


def _pg_admin_url() -> str:
    return PG_URL


def _with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _pg_admin(sql: str) -> None:
    engine = create_async_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


class Databases:
    """Migrated templates made once per test process; every test gets its own copy.

    On PostgreSQL, ``CREATE DATABASE ... TEMPLATE`` and ``DROP DATABASE`` each took 2–4 s of waiting on
    a loaded machine (a drop makes the server run an immediate checkpoint of the whole cluster): about
    half the suite's tests paid both, in setup and teardown. Copies are made one test ahead and dropped
    behind, each on a thread of its own, so a test waits for neither (``_ready``, ``_dropping``)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.sqlite_template: Path | None = None
        self.pg_template: str | None = None
        self.created: list[str] = []
        self._lock = threading.Lock()
        self._maker = ThreadPoolExecutor(1, thread_name_prefix="pg-clone")
        self._dropper = ThreadPoolExecutor(1, thread_name_prefix="pg-drop")
        self._ready: Future[str] | None = None
        self._dropping: list[Future[None]] = []

    def sqlite(self) -> str:
        if self.sqlite_template is None:
            path = self.tmp / "template.db"
            migrate.upgrade(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
            self.sqlite_template = path
        copy = self.tmp / f"t-{uuid.uuid4().hex}.db"
        shutil.copy(self.sqlite_template, copy)
        return f"sqlite+aiosqlite:///{copy}"

    def _clone(self) -> str:
        assert self.pg_template is not None
        name = f"ev_t_{uuid.uuid4().hex[:16]}"
        with self._lock:
            self.created.append(name)
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.pg_template}"'))
        return name

    def postgres(self) -> str:
        if self.pg_template is None:
            name = f"ev_tpl_{os.getpid()}"
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}"'))
            asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
            migrate.upgrade(Settings(database_url=_with_db(PG_URL, name)))
            self.pg_template = name
        ready, self._ready = self._ready, None
        name = ready.result() if ready is not None else self._clone()
        self._ready = self._maker.submit(self._clone)  # the next test's copy, made while this one runs
        return _with_db(PG_URL, name)

    def _drop_now(self, name: str) -> None:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        with self._lock:
            if name in self.created:
                self.created.remove(name)

    def drop(self, url: str) -> None:
        """Dropped behind the next tests (a failure to drop is retried by :meth:`cleanup`)."""
        name = url.rpartition("/")[2]
        with self._lock:
            if name not in self.created:
                return
        self._dropping = [f for f in self._dropping if not f.done()]
        self._dropping.append(self._dropper.submit(self._drop_now, name))

    def cleanup(self) -> None:
        self._maker.shutdown(wait=True)
        self._dropper.shutdown(wait=True)
        for name in list(self.created):
            self._drop_now(name)
        if self.pg_template:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_template}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.cleanup()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, databases: Databases) -> Iterator[str]:
    """A fresh, migrated database on each backend (SQLite always; PostgreSQL when configured)."""
    url = databases.sqlite() if backend == "sqlite" else databases.postgres()
    yield url
    if backend == "postgres":
        databases.drop(url)


@pytest.fixture
def sqlite_url(databases: Databases) -> str:
    return databases.sqlite()


@pytest.fixture
def pg_url(databases: Databases) -> Iterator[str]:
    if not PG_URL:
        pytest.skip("ECOVAREJO_TEST_DATABASE_URL is not set")
    url = databases.postgres()
    yield url
    databases.drop(url)


#: The contexts' settings sections as this process's environment gives them, by that environment: a
#: section read from the environment costs ~13 ms of CPU (pydantic-settings scans every variable), five
#: of them at every container's bootstrap. Each test gets its own copies; a test that changes an
#: ``ECOVAREJO_*`` variable gets sections read anew.
_ENV_SECTIONS: dict[frozenset[tuple[str, str]], tuple[Any, ...]] = {}
#: One JWT signing key per test process, copied into each test's data directory (the embedded mode
#: generates a 2048-bit RSA key when there is none: ~50 ms of CPU per container, and tens more to parse).
#: The generation itself is tested in tests/unit/users (those tests build Settings of their own).
_JWT_PEM: list[str] = []


def _env_sections() -> list[Any]:
    from ecovarejo.fiscal.settings import FiscalSettings
    from ecovarejo.logistics.settings import LogisticsSettings
    from ecovarejo.notifications.settings import NotificationSettings
    from ecovarejo.payments.settings import PaymentsSettings
    from ecovarejo.products.media import MediaSettings

    key = frozenset((k, v) for k, v in os.environ.items() if k.upper().startswith("ECOVAREJO_"))
    found = _ENV_SECTIONS.get(key)
    if found is None:
        classes = (FiscalSettings, LogisticsSettings, NotificationSettings, PaymentsSettings, MediaSettings)
        found = _ENV_SECTIONS[key] = (*(cls() for cls in classes), GatewaySettings(rate_limits=False))
    return [section.model_copy() for section in found]


def _place_jwt_key(settings: Settings) -> None:
    from ecovarejo.users.keys import dump_pem_keys, generate_key, key_file

    if settings.jwt_private_key_file:
        return
    path = key_file(settings)
    if path.exists():
        return
    if not _JWT_PEM:
        _JWT_PEM.append(dump_pem_keys([generate_key()]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_JWT_PEM[0])
    path.chmod(0o600)


def make_settings(db_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url,
        "data_dir": tmp_path / "var",
        "log_json": True,
        "log_level": "WARNING",
        "relay_interval": 0.05,
        "consumer_backoff_base": 0.01,
        "secret_key": "test-secret-key-not-for-production",
        # the tests' fake push services, providers and carriers listen on this machine
        "outbound_allow_hosts": "127.0.0.1,localhost",
    }
    values.update(overrides)
    settings = Settings(**values).with_sections(*_env_sections())
    _place_jwt_key(settings)
    return settings


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path)


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    c = build_container(settings)
    await c.start()
    yield c
    await c.stop()


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    from ecovarejo.app import create_app

    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def _describe(task: asyncio.Task[Any]) -> str:
    frames = task.get_stack(limit=3)
    where = " <- ".join(f"{f.f_code.co_filename.rpartition('/')[2]}:{f.f_lineno} {f.f_code.co_name}" for f in frames)
    return f"{task.get_name()} ({where or task.get_coro()!r})"


@pytest.fixture
async def _task_leak_guard() -> AsyncIterator[None]:
    """Fails the test if a task it started is still alive after all its fixtures were torn down: such a
    task holds a connection (on SQLite the write lock) or hangs the event loop's shutdown."""
    loop = asyncio.get_running_loop()
    before = asyncio.all_tasks(loop)
    yield
    me = asyncio.current_task()

    def alive() -> set[asyncio.Task[Any]]:
        return {t for t in asyncio.all_tasks(loop) - before if t is not me and not t.done()}

    left = alive()
    if left:  # one that is ending by itself (a done callback chain) gets a moment
        await asyncio.wait(left, timeout=0.5)
        left = alive()
    if not left:
        return
    described = sorted(_describe(t) for t in left)
    for t in left:
        t.cancel()
    _, stuck = await asyncio.wait(left, timeout=5)
    note = f"; {len(stuck)} ignored cancellation for 5 s" if stuck else ""
    pytest.fail(f"test left {len(left)} task(s) running{note}: " + "; ".join(described), pytrace=False)


@pytest.fixture(autouse=True)
def _no_task_left_behind(request: pytest.FixtureRequest) -> None:
    """Every coroutine test on its own event loop runs under :func:`_task_leak_guard` (set up first, so
    torn down last). Tests sharing a module-wide loop keep that loop's tasks between them by design."""
    marker = request.node.get_closest_marker("asyncio")
    loop_scope = (marker.kwargs.get("loop_scope") if marker else None) or "function"
    if inspect.iscoroutinefunction(getattr(request, "function", None)) and loop_scope == "function":
        request.getfixturevalue("_task_leak_guard")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI every server URL is set, so a skipped test means a broken setup: fail the run."""
    if not os.environ.get("CI") or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        print(f"\nCI: {len(skipped)} test(s) skipped; in CI nothing may skip", flush=True)
        session.exitstatus = 1


#: Tests that take half a minute or more (measured in CI): started first, so that with pytest-xdist they
#: run alongside the many short tests instead of being the last ones left on one worker. Any test with a
#: ``timeout`` marker above the default also counts.
SCHEDULE_FIRST = (
    "tests/browser/test_every_page.py",
    "tests/integration/test_cli.py::test_migrate_and_seed_demo",
    "tests/integration/ml/test_cli.py",
    "tests/integration/products/test_demo.py",
    "tests/integration/test_scale_demo.py",
    "tests/security/test_api_fuzz.py",
    "tests/security/test_payment_properties.py",
    "tests/integration/reliability/test_outage.py",
    "tests/integration/reliability/test_checkout_crash.py",
    "tests/integration/reliability/test_worker_process.py",
    "tests/browser/test_walk.py",
    "tests/browser/test_shipping.py",
    "tests/browser/test_quotes.py",
    "tests/integration/test_cli.py",
    "tests/integration/products/test_csv.py::test_cli_import_and_export",
    "tests/integration/privacy/test_audit.py::test_cli_verify",
)


def pytest_configure(config: pytest.Config) -> None:
    """pytest-xdist's ``load`` scheduler first hands every worker a chunk of about 1/16 of the suite's
    consecutive tests: with the longest tests sorted first, one worker got every one of them and ran them
    in a row while the others ran short tests (the whole ``SCHEDULE_FIRST`` list, minutes, on ``gw0``).
    Tests are handed out one by one instead (each worker keeps two queued), so the longest start first,
    each on its own worker. ``--maxschedchunk`` given on the command line wins."""
    if getattr(config.option, "maxschedchunk", "absent") is None:
        config.option.maxschedchunk = 1


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        """The longest first (a long ``timeout`` marker, then the list's order); the rest after, as is."""
        marker = item.get_closest_marker("timeout")
        if marker and marker.args and float(marker.args[0]) > 300:
            return 0
        for n, prefix in enumerate(SCHEDULE_FIRST, start=1):
            if item.nodeid.startswith(prefix):
                return n
        return len(SCHEDULE_FIRST) + 1

    items.sort(key=rank)  # stable: the rest keeps its order
