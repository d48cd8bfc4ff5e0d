"""Benchmark harness: serve an ASGI app as a user would (uvicorn, N worker processes, real HTTP on
localhost), drive it with ``wrk``, and report throughput and latency as ratios against a bare ASGI
hello-world measured the same way in the same run. Benchmarks print; they never assert on time.

Usage from a benchmark script::

    with Bench(workers=2) as bench:
        base = bench.baseline()
        with bench.serve_platform(env) as url:
            row = bench.measure("GET /healthz", url, ["/healthz"])
        bench.report()
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecovarejo.core.container import Container

ROOT = Path(__file__).resolve().parent.parent


def admin_pg_url() -> str:
    """The PostgreSQL admin URL benchmarks create their scratch databases with ('' when none)."""
    return os.environ.get("ECOVAREJO_BENCH_DATABASE_URL") or os.environ.get("ECOVAREJO_TEST_DATABASE_URL", "")


async def pg_admin(admin: str, sql: str) -> None:
    """Run one statement outside a transaction (``CREATE DATABASE``, ``DROP DATABASE``)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


@contextlib.contextmanager
def scratch_database(backend: str, tmp: Path, prefix: str = "ev_bench") -> Iterator[str | None]:
    """The URL of an empty database for ``backend`` ("sqlite": a file in ``tmp``; "postgres": a database
    created from :func:`admin_pg_url` and dropped afterwards); None (and a line saying so) without one."""
    import asyncio

    if backend != "postgres":
        yield f"sqlite+aiosqlite:///{tmp / 'catalog.db'}"
        return
    admin = admin_pg_url()
    if not admin:
        print("postgres: set ECOVAREJO_BENCH_DATABASE_URL (skipped)")
        yield None
        return
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield admin.rpartition("/")[0] + f"/{name}"
    finally:
        asyncio.run(pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def seed_catalog(container: Container, products: int) -> tuple[list[str], list[str]]:
    """The demo catalog's bulk path in the ``default`` tenant (``products`` products), statistics
    analyzed; returns (up to 5,000 product slugs in id order, every category slug)."""
    from sqlalchemy import select

    from ecovarejo.products import listing
    from ecovarejo.products.demo import seed_demo
    from ecovarejo.products.models import Category, Product
    from ecovarejo.seed import ensure_tenant

    tenant = await ensure_tenant(container, "default")
    async with container.uow(tenant.id, actor="bench") as uow:
        await seed_demo(container, uow, {"products": products})
        await uow.commit()
    await listing.analyze(container.db)
    async with container.uow(tenant.id, read_only=True) as uow:
        slugs = list((await uow.session.scalars(select(Product.slug).order_by(Product.id).limit(5000))).all())
        cats = list((await uow.session.scalars(select(Category.slug))).all())
    return slugs, cats


@dataclass
class Stats:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    non_2xx: int


def ensure_wrk() -> str:
    """wrk comes from Debian's package; install it when missing (root) so ``bench`` runs anywhere here."""
    path = shutil.which("wrk")
    if path:
        return path
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, stdout=subprocess.DEVNULL)
        path = shutil.which("wrk")
        if path:
            return path
    raise SystemExit("wrk is required for benchmarks: apt-get install wrk")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status < 500:
                    return
        except Exception as exc:
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not become ready: {last}")


@contextlib.contextmanager
def serve(
    target: str, *, workers: int, env: dict[str, str] | None = None, ready_path: str = "/healthz"
) -> Iterator[str]:
    """Run ``uvicorn target`` with ``workers`` processes on a free port; yield its base URL."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "uvicorn", target,
        "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join([str(ROOT), full_env.get("PYTHONPATH", "")])
    # The server's log goes to a file: a pipe nobody reads would fill up and stall the server.
    log = tempfile.NamedTemporaryFile("wb", prefix="ecovarejo-bench-server-", suffix=".log", delete=False)
    proc = subprocess.Popen(cmd, env=full_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base + ready_path)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


_LATENCY = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    name: str,
    base: str,
    paths: list[str],
    *,
    duration: float = 10,
    connections: int = 64,
    threads: int = 2,
    headers: dict[str, str] | None = None,
) -> Stats:
    """Drive ``paths`` (rotated round-robin) on ``base`` with wrk; parse throughput and p50/p99."""
    exe = ensure_wrk()
    headers = headers or {}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        lua_paths = ", ".join(f'"{p}"' for p in paths)
        lua_headers = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
        f.write(
            f"""
local paths = {{{lua_paths}}}
local i = 0
{lua_headers}
request = function()
  i = (i % #paths) + 1
  return wrk.format("GET", paths[i])
end
local non2xx = 0
response = function(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("NON2XX %d\\n", non2xx))
end
"""
        )
        script = f.name
    try:
        out = subprocess.run(
            [exe, f"-t{threads}", f"-c{connections}", f"-d{int(duration)}s", "--latency", "-s", script, base],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    lat = {m.group(1): _ms(m.group(2), m.group(3)) for m in _LATENCY.finditer(out)}
    err = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = sum(int(x) for x in err.groups()) if err else 0
    non2xx_m = re.search(r"NON2XX (\d+)", out)
    # wrk's done() runs per thread only for its own counters in newer builds; the summary line is authoritative.
    summary_non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    non2xx = int(summary_non2xx.group(1)) if summary_non2xx else int(non2xx_m.group(1)) if non2xx_m else 0
    return Stats(name, rps, lat.get("50", float("nan")), lat.get("99", float("nan")), total, errors, non2xx)


@dataclass
class Bench:
    """Collects rows and prints them with ratios against the baseline of the same run."""

    workers: int = 2
    duration: float = 10
    connections: int = 64
    rows: list[Stats] = field(default_factory=list)
    base: Stats | None = None
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ecovarejo-bench-")))

    def __enter__(self) -> Bench:
        ensure_wrk()
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def baseline(self) -> Stats:
        with serve("bench.hello:app", workers=self.workers, ready_path="/") as url:
            self.base = wrk(
                "baseline: bare ASGI hello-world", url, ["/"], duration=self.duration, connections=self.connections
            )
        return self.base

    def platform_env(self, **extra: str) -> dict[str, str]:
        """Environment for an embedded-default platform in a scratch DATA_DIR, migrated."""
        env = {
            "ECOVAREJO_DATA_DIR": str(self.tmp / "var"),
            "ECOVAREJO_LOG_LEVEL": "WARNING",
            "ECOVAREJO_GATEWAY_RATE_LIMITS": "off",
            **extra,
        }
        return env

    def migrate(self, env: dict[str, str]) -> None:
        subprocess.run(
            [sys.executable, "-m", "ecovarejo.cli", "migrate"], env={**os.environ, **env}, check=True, cwd=ROOT
        )

    @contextlib.contextmanager
    def serve_platform(self, env: dict[str, str]) -> Iterator[str]:
        with serve("ecovarejo.asgi:app", workers=self.workers, env=env) as url:
            yield url

    def measure(self, name: str, base_url: str, paths: list[str], **kw: object) -> Stats:
        stats = wrk(name, base_url, paths, duration=self.duration, connections=self.connections, **kw)  # type: ignore[arg-type]
        self.rows.append(stats)
        return stats

    def report(self, title: str = "EcoVarejo benchmark") -> None:
        assert self.base is not None, "measure the baseline first"
        b = self.base
        print(
            f"\n{title} — {self.workers} uvicorn workers, wrk {self.connections} connections, {self.duration:.0f}s each"
        )
        print(
            f"{'endpoint':<44} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
            f"{'ratio rps':>10} {'ratio p50':>10}"
        )
        for s in [b, *self.rows]:
            print(
                f"{s.name:<44} {s.rps:>10.0f} {s.p50_ms:>8.2f} {s.p99_ms:>8.2f} {s.errors + s.non_2xx:>7d} "
                f"{s.rps / b.rps:>10.3f} {s.p50_ms / b.p50_ms:>10.2f}"
            )
        print("ratio rps = endpoint req/s ÷ baseline req/s (higher is better); ratio p50 = latency ÷ baseline latency.")
