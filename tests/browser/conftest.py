"""Browser tests: the app served for real by uvicorn on a free localhost port, with a migrated and seeded
SQLite database in a temporary directory, driven by Playwright through Debian's Chromium (headless).

They skip only when ``/usr/bin/chromium`` is absent and ``CI`` is unset; in CI Chromium is installed
by ``scripts/test-deps.sh``, so a missing browser fails instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from ecovarejo.core import migrate
from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.core.settings import Settings
from tests.support import bearer, token_for

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
#: Outside the repository: ``$ECOVAREJO_SCREENSHOTS``, else ``<tmp>/ecovarejo-screenshots`` (never committed).
SCREENSHOTS = Path(os.environ.get("ECOVAREJO_SCREENSHOTS") or Path(tempfile.gettempdir()) / "ecovarejo-screenshots")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORD = "uma-senha-bem-longa-2024"

browser_available = Path(CHROMIUM).exists() or bool(os.environ.get("CI"))
needs_browser = [
    pytest.mark.browser,
    pytest.mark.skipif(not browser_available, reason=f"{CHROMIUM} is not installed (and CI is unset)"),
]


def run_async(fn: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine on a loop of its own thread (Playwright's sync API owns this thread's loop)."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(fn())
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    container: Container
    thread: threading.Thread
    server: Any
    staff: dict[str, Any] = field(default_factory=dict)

    def root_headers(self) -> dict[str, str]:
        return bearer(token_for(self.container, DEFAULT_TENANT_ID, "admin"))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("browser")
    yield from _serve(tmp, f"sqlite+aiosqlite:///{tmp / 'shop.db'}")


@pytest.fixture(scope="session")
def live_server_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The same shop on PostgreSQL (row-level security and all), for the flows that must hold on both."""
    from tests.conftest import PG_URL, _pg_admin, _with_db

    if not PG_URL:
        pytest.skip("ECOVAREJO_TEST_DATABASE_URL is not set")
    name = f"ev_browser_{uuid.uuid4().hex[:12]}"
    run_async(lambda: _pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield from _serve(tmp_path_factory.mktemp("browser-pg"), _with_db(PG_URL, name))
    finally:
        run_async(lambda: _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _serve(tmp: Path, database_url: str) -> Iterator[LiveServer]:
    if not browser_available:
        pytest.skip(f"{CHROMIUM} is not installed")
    import uvicorn

    from ecovarejo.app import create_app

    settings = Settings(
        database_url=database_url,
        data_dir=tmp / "var",
        secret_key="browser-test-secret-key",
        redis_url="",  # embedded mode whatever the environment says
        broker_url="",
        services="",
        log_level="WARNING",
        relay_interval=0.05,
    )
    migrate.upgrade(settings)
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app server did not start")
        time.sleep(0.05)
    live = LiveServer(f"http://localhost:{port}", app.state.container, thread, server)
    seed(live)
    yield live
    server.should_exit = True
    thread.join(timeout=20)


def seed(live: LiveServer) -> None:
    from tests.integration.web.catalog_fixture import make_catalog

    async def go() -> None:
        async with httpx.AsyncClient(base_url=live.url, timeout=30) as c:
            await make_catalog(c, live.container)

    run_async(go)


def make_staff_account(live: LiveServer, permissions: tuple[str, ...] = ("manage_products",)) -> dict[str, Any]:
    """A staff account with MFA on, made through the users API; returns its email and TOTP."""
    email = f"staff-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=live.url, timeout=30) as c:
        r = c.post(
            "/api/v1/auth/register",
            json={
                "email": email,
                "password": PASSWORD,
                "first_name": "Equipe",
                "last_name": "Loja",
                "accept_terms": True,
                "accept_privacy": True,
            },
        )
        assert r.status_code == 201, r.text
        user_id = r.json()["id"]
        r = c.put(
            f"/api/v1/admin/users/{user_id}/role",
            json={"user_type": "customer", "permissions": list(permissions)},
            headers=live.root_headers(),
        )
        assert r.status_code == 200, r.text
        token = c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()["access_token"]
        enroll = c.post("/api/v1/users/mfa/enroll", headers=bearer(token)).json()
        totp = pyotp.TOTP(enroll["secret"])
        r = c.post("/api/v1/users/mfa/confirm", json={"code": totp.now()}, headers=bearer(token))
        assert r.status_code == 200, r.text
    return {"email": email, "totp": totp}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API runs an event loop in the main thread while it is open,
    so it must be closed before any asyncio test of another module runs."""
    if not browser_available:
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@dataclass
class Tab:
    """A page plus what the browser reported: console errors (CSP violations among them)."""

    page: Any
    console_errors: list[str]

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def axe_violations(self) -> list[dict[str, Any]]:
        """Serious or critical axe-core violations of the current page (axe injected over the DevTools
        protocol, which the page's CSP does not govern)."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate(
            "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
            " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' '))})); }"
        )
        return [v for v in result if v.get("impact") in ("serious", "critical")]


@pytest.fixture
def tab(browser: Any, live_server: LiveServer) -> Iterator[Tab]:
    context = browser.new_context(base_url=live_server.url, locale="pt-BR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield Tab(page, errors)
    context.close()


def new_cpf() -> str:
    """A random valid CPF (an account per CPF: every guest of the suite needs one of its own)."""
    import random

    digits = [random.randint(0, 9) for _ in range(9)]
    for n in (10, 11):
        total = sum(d * w for d, w in zip(digits, range(n, 1, -1), strict=False))
        digits.append((total * 10 % 11) % 10)
    s = "".join(map(str, digits))
    return f"{s[:3]}.{s[3:6]}.{s[6:9]}-{s[9:]}"
