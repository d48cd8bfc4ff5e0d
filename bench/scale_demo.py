"""The scale-out run: nginx (TLS 1.3) in front of 3 API processes, 2 workers and 2 relays on one machine,
over PostgreSQL, Redis and NATS; mixed traffic (browse, search, product pages, checkout) for a bounded
time; ``kill -9`` of one API process, one worker and one relay mid-run, then their restart; then proof:

- every accepted order exists, once, and no order exists that no client was answered for;
- every order event was published and handled by every consumer that wants it, once (the inbox);
- no stock oversold (a hot SKU with little stock), the stock ledger adds up, no dead letters;

and throughput and error counts before, during and after the failures.

    scripts/scale-demo [--duration 60] [--concurrency 24] [--apis 3 --workers 2 --relays 2]
        [--pg postgresql+asyncpg://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379/0]
        [--nats nats://127.0.0.1:4222]

Checkout retries a failed request (a connection cut by the kill, a 502) with the same Idempotency-Key,
as a real client does; a 409 for the hot SKU's sold-out stock is an answer, not an error. Exit status 1
when any proof fails. ``tests/integration/test_scale_demo.py`` runs a reduced version in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.harness import ROOT, free_port
from ecovarejo.users.ports import UsersPorts
from ecovarejo.users.tokens import TokenService

PRODUCTS = 12
HOT_SKU = "SCALE-HOT"
HOT_STOCK = 25
ADDRESS = {"recipient": "Scale", "street": "Rua A", "number": "1", "city": "São Paulo", "state": "SP",
           "postal_code": "01000-000"}  # fmt: skip
PASSWORD = "Escala-Demo-2026!"


def skus() -> list[str]:
    return [f"SCALE-{n:03d}" for n in range(PRODUCTS)]


# --------------------------------------------------------------------------- processes


@dataclass
class Proc:
    name: str
    cmd: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.cmd, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill9(self) -> None:
        assert self.popen is not None
        os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


def wait_http(url: str, timeout: float = 90.0, verify: Any = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2, verify=verify).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 in {timeout:.0f}s")


def tls_check(port: int, cafile: Path) -> str:
    """The protocol nginx negotiates, and whether it refuses a client capped at TLS 1.2."""
    import socket

    ctx = ssl.create_default_context(cafile=str(cafile))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
            version = tls.version() or "?"
    old = ssl.create_default_context(cafile=str(cafile))
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            with old.wrap_socket(sock, server_hostname="localhost"):
                return f"{version} (TLS 1.2 accepted!)"
    except ssl.SSLError:
        return f"{version} (TLS 1.2 refused)"


def nginx_conf(tmp: Path, api_ports: list[int], http_port: int, https_port: int) -> str:
    """deploy/nginx.conf with this run's upstream servers, ports, certificate and paths."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n" for p in api_ports)
    replacements = {
        "    server api:8000;\n": servers,
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/nginx/tls/": f"{tmp}/tls/",
        "worker_processes auto;": f"worker_processes 2;\npid {tmp}/nginx.pid;\nerror_log {tmp}/nginx-error.log;",
        "http {\n": (
            "http {\n"
            f"  client_body_temp_path {tmp}/nginx-body;\n  proxy_temp_path {tmp}/nginx-proxy;\n"
            f"  fastcgi_temp_path {tmp}/nginx-fastcgi;\n  uwsgi_temp_path {tmp}/nginx-uwsgi;\n"
            f"  scgi_temp_path {tmp}/nginx-scgi;\n"
        ),
    }
    for old, new in replacements.items():
        if old not in conf:
            raise RuntimeError(f"deploy/nginx.conf changed: {old.strip()!r} not found")
        conf = conf.replace(old, new)
    return conf


def ensure_nginx() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing nginx from Debian")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive", "RUNLEVEL": "1"}
        if subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], env=env, capture_output=True).returncode:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], env=env, capture_output=True, check=True)
        return shutil.which("nginx") or "/usr/sbin/nginx"
    raise RuntimeError("nginx is missing: apt-get install nginx-light")


# --------------------------------------------------------------------------- setup


def _admin_dsn(url: str) -> str:
    return url.replace("+asyncpg", "")


async def create_database(admin_url: str) -> str:
    import asyncpg

    name = f"ecovarejo_scale_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(_admin_dsn(admin_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}"


async def drop_database(url: str) -> None:
    import asyncpg

    base, _, name = url.rpartition("/")
    conn = await asyncpg.connect(_admin_dsn(f"{base}/postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def seed(env: dict[str, str], customers: int) -> list[str]:
    """Products and stock (one hot SKU with little of it) and customer accounts; returns their tokens."""
    os.environ.update(env)
    from ecovarejo.bootstrap import build_container
    from ecovarejo.core.auth import Principal
    from ecovarejo.core.models import DEFAULT_TENANT_ID
    from ecovarejo.core.settings import Settings
    from ecovarejo.inventory import service as inventory
    from ecovarejo.ml.public import set_fraud_thresholds
    from ecovarejo.products import service as products
    from ecovarejo.products.schemas import ProductCreate
    from ecovarejo.users.accounts import register
    from ecovarejo.users.schemas import RegisterIn

    container = build_container(Settings(), run_relay=False, run_consumers=False)
    await container.start()
    try:
        async with container.uow(DEFAULT_TENANT_ID, actor="scale-demo") as uow:
            wh = await inventory.ensure_warehouse(uow, "SCALE", "Scale demo warehouse")
            for sku in [*skus(), HOT_SKU]:
                data = ProductCreate(sku=sku, name=f"Produto ecológico {sku}", price=Decimal("39.90"), slug=sku.lower())
                await products.create_product(uow, data, rescore=False)
                stock = HOT_STOCK if sku == HOT_SKU else 1_000_000
                await inventory.adjust(uow, sku, wh.id, stock, reason="scale demo", actor="scale-demo")
            # Every client pays with the same sandbox card: the fraud screen's card velocity would decline
            # them; this shop holds nothing (a tenant setting, as a shop running a load test would).
            await set_fraud_thresholds(container, uow, 1.0, 1.0)
            await uow.commit()
        tokens = []
        auth = container.ports.get(TokenService)
        for n in range(customers):
            async with container.uow(DEFAULT_TENANT_ID, actor="scale-demo") as uow:
                body = RegisterIn(
                    email=f"cliente{n}-{uuid.uuid4().hex[:6]}@escala.ecovarejo.dev",
                    password=PASSWORD,
                    first_name="Cliente",
                    last_name=f"Escala {n}",
                    accept_terms=True,
                    accept_privacy=True,
                )
                user = await register(uow, container.ports.get(UsersPorts), body, ip="127.0.0.1")
                await uow.commit()
                principal = Principal(user_id=user.id, tenant_id=DEFAULT_TENANT_ID, user_type="customer")
                tokens.append(str(auth.issue_access_token(principal)))
        return tokens
    finally:
        await container.stop()


# --------------------------------------------------------------------------- traffic


@dataclass
class Traffic:
    start: float = field(default_factory=time.monotonic)
    #: (seconds since start, kind, outcome) with outcome "ok", "sold_out", "error", "retry"
    samples: list[tuple[float, str, str]] = field(default_factory=list)
    accepted: dict[str, str] = field(default_factory=dict)  # order id -> idempotency key
    hot_accepted: int = 0
    gave_up: list[str] = field(default_factory=list)  # idempotency keys with no final answer
    reasons: Counter[str] = field(default_factory=Counter)  # what the errors were
    concurrency: int = 0

    def note(self, kind: str, outcome: str) -> None:
        self.samples.append((time.monotonic() - self.start, kind, outcome))


async def drive(base: str, verify: Any, tokens: list[str], duration: float, concurrency: int, traffic: Traffic) -> None:
    stop = traffic.start + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, verify=verify, limits=limits, timeout=30) as client:

        async def get(kind: str, url: str) -> None:
            try:
                r = await client.get(url)
                traffic.note(kind, "ok" if r.status_code == 200 else "error")
                if r.status_code != 200:
                    traffic.reasons[f"{kind} {r.status_code}"] += 1
            except httpx.HTTPError as exc:
                traffic.note(kind, "error")
                traffic.reasons[f"{kind} {type(exc).__name__}"] += 1

        async def checkout(rng: random.Random, token: str) -> None:
            hot = rng.random() < 0.25
            sku = HOT_SKU if hot else rng.choice(skus())
            body = {"shipping_address": ADDRESS, "payment": {"method": "card", "source": "tok_visa"},
                    "items": [{"sku": sku, "quantity": 1 if hot else rng.randint(1, 3)}]}  # fmt: skip
            key = uuid.uuid4().hex
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
            for attempt in range(12):
                try:
                    r = await client.post("/api/v1/orders", json=body, headers=headers)
                except httpx.HTTPError:
                    r = None
                if r is not None and r.status_code in (200, 201):
                    traffic.accepted[r.json()["id"]] = key
                    traffic.hot_accepted += 1 if hot else 0
                    traffic.note("checkout", "ok")
                    return
                if r is not None and r.status_code == 409 and r.json().get("code") == "insufficient_stock":
                    traffic.note("checkout", "sold_out")
                    return
                if r is not None and r.status_code < 500 and r.status_code != 409:
                    traffic.note("checkout", "error")
                    traffic.reasons[f"checkout {r.status_code} {r.text[:80]}"] += 1
                    return
                # connection cut, 502/503 or the idempotency key still in flight (409): same key again
                traffic.note("checkout", "retry")
                await asyncio.sleep(min(2.0, 0.1 * 2**attempt))
            traffic.note("checkout", "error")
            traffic.gave_up.append(key)

        async def user(n: int) -> None:
            rng = random.Random(n)
            token = tokens[n % len(tokens)]
            while time.monotonic() < stop:
                roll = rng.random()
                if roll < 0.35:
                    await get("browse", f"/api/v1/products?page={rng.randint(1, 2)}")
                elif roll < 0.6:
                    await get("search", f"/api/v1/products?q={rng.choice(['ecológico', 'produto', 'scale'])}")
                elif roll < 0.75:
                    await get("product", f"/api/v1/products/{rng.choice(skus()).lower()}")
                else:
                    await checkout(rng, token)

        await asyncio.gather(*(user(n) for n in range(concurrency)))


def args_apis_killed_limit(traffic: Traffic) -> int:
    """At most the requests in flight on the killed API process can be left without an answer."""
    return traffic.concurrency


def report(traffic: Traffic, phases: list[tuple[str, float, float]]) -> list[str]:
    lines = [f"{'phase':<8}{'seconds':>9}{'req/s':>9}{'orders/s':>10}{'errors':>8}{'retries':>9}{'sold out':>10}"]
    for name, t0, t1 in phases:
        window = [s for s in traffic.samples if t0 <= s[0] < t1]
        span = max(0.001, t1 - t0)
        count = Counter(outcome for _, _, outcome in window)
        orders = sum(1 for _, kind, outcome in window if kind == "checkout" and outcome == "ok")
        lines.append(
            f"{name:<8}{span:>9.1f}{(len(window) - count['retry']) / span:>9.1f}{orders / span:>10.1f}"
            f"{count['error']:>8}{count['retry']:>9}{count['sold_out']:>10}"
        )
    return lines


# --------------------------------------------------------------------------- proof


async def verify_effects(env: dict[str, str], traffic: Traffic, drain_timeout: float) -> list[str]:
    """Wait for the events to drain, then check every invariant; returns the failures (empty: all good)."""
    os.environ.update(env)
    from sqlalchemy import text

    from ecovarejo.bootstrap import build_container
    from ecovarejo.core.events import Event
    from ecovarejo.core.settings import Settings

    container = build_container(Settings(), run_relay=False, run_consumers=False)
    await container.start()
    failures: list[str] = []
    try:
        consumers = container.consumers

        async def missing() -> tuple[int, int, list[str]]:
            async with container.db.system_session() as s:
                rows = (await s.execute(text("SELECT envelope, published_at FROM outbox"))).all()
                inbox = {(c, str(e)) for c, e in (await s.execute(text("SELECT consumer, event_id FROM inbox"))).all()}
            unpublished = sum(1 for _, published in rows if published is None)
            lost: list[str] = []
            for envelope, _ in rows:
                event = Event.from_envelope(envelope)
                for consumer in consumers:
                    if consumer.wants(event) and (consumer.name, str(event.id)) not in inbox:
                        lost.append(f"{consumer.name}:{event.type}:{event.id}")
            return len(rows), unpublished, lost

        deadline = time.monotonic() + drain_timeout
        total, unpublished, lost = await missing()
        while (unpublished or lost) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            total, unpublished, lost = await missing()
        async with container.db.system_session() as s:
            orders = {str(i) for (i,) in (await s.execute(text("SELECT id FROM orders"))).all()}
            order_events = int(await s.scalar(text("SELECT count(*) FROM outbox WHERE topic = 'order-events'")) or 0)
            dead = int(await s.scalar(text("SELECT count(*) FROM dead_letters")) or 0)
            hot_sold = int(
                await s.scalar(
                    text(
                        "SELECT coalesce(sum(i.quantity), 0) FROM order_items i JOIN orders o ON o.id = i.order_id "
                        "WHERE i.sku = :sku AND o.status <> 'cancelled'"
                    ),
                    {"sku": HOT_SKU},
                )
                or 0
            )
            ledger = (
                await s.execute(
                    text(
                        "SELECT si.sku, si.stock_quantity, si.reserved_quantity, "
                        "coalesce(sum(m.stock_delta), 0), coalesce(sum(m.reserved_delta), 0) "
                        "FROM stock_items si LEFT JOIN stock_movements m ON m.stock_item_id = si.id "
                        "GROUP BY si.id, si.sku, si.stock_quantity, si.reserved_quantity"
                    )
                )
            ).all()
        accepted = set(traffic.accepted)
        print(f"orders accepted by clients: {len(accepted)}, in the database: {len(orders)}")
        print(f"events: {total} in the outbox ({order_events} order events), unpublished {unpublished}, "
              f"not handled by a consumer that wants them: {len(lost)}")  # fmt: skip
        print(f"dead letters: {dead}; hot SKU sold {hot_sold} of {HOT_STOCK}; checkouts cut by the kill with no "
              f"answer yet: {len(traffic.gave_up)} (orders among them: {len(orders - accepted)})")  # fmt: skip
        if accepted - orders:
            failures.append(f"{len(accepted - orders)} accepted orders are missing")
        # A checkout cut by the kill leaves its key in progress until the idempotency store's stale window
        # (minutes) passes, so its client has no answer within the run: that order may exist or not.
        if len(orders - accepted) > len(traffic.gave_up):
            failures.append(f"{len(orders - accepted)} orders exist that no client was answered for")
        if len(traffic.gave_up) > args_apis_killed_limit(traffic):
            failures.append(f"{len(traffic.gave_up)} checkouts never got an answer after retries")
        if unpublished:
            failures.append(f"{unpublished} events never published")
        if lost:
            failures.append(f"{len(lost)} deliveries missing, e.g. {lost[:3]}")
        if dead:
            failures.append(f"{dead} dead letters")
        if hot_sold > HOT_STOCK:
            failures.append(f"oversold: {hot_sold} units of {HOT_SKU} with {HOT_STOCK} in stock")
        for sku, stock, reserved, stock_sum, reserved_sum in ledger:
            if stock != stock_sum or reserved != reserved_sum or stock < 0 or reserved < 0:
                failures.append(
                    f"stock ledger of {sku} does not add up: {stock}/{reserved} vs {stock_sum}/{reserved_sum}"
                )
        if order_events < len(accepted):
            failures.append(f"only {order_events} order events for {len(accepted)} orders")
    finally:
        await container.stop()
    return failures


# --------------------------------------------------------------------------- the run


@contextlib.contextmanager
def cluster(
    args: argparse.Namespace, env: dict[str, str], tmp: Path
) -> Iterator[tuple[str, Any, dict[str, list[Proc]]]]:
    python = sys.executable
    procs: dict[str, list[Proc]] = {"api": [], "worker": [], "relay": []}
    for n in range(args.apis):
        port = free_port()
        cmd = [
            python,
            "-m",
            "ecovarejo.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-embedded-workers",
        ]
        procs["api"].append(Proc(f"api-{n}", cmd, env, tmp / f"api-{n}.log", port))
    for n in range(args.workers):
        procs["worker"].append(
            Proc(f"worker-{n}", [python, "-m", "ecovarejo.cli", "worker", "--no-relay"], env, tmp / f"worker-{n}.log")
        )
    for n in range(args.relays):
        procs["relay"].append(Proc(f"relay-{n}", [python, "-m", "ecovarejo.cli", "relay"], env, tmp / f"relay-{n}.log"))
    subprocess.run(["bash", str(ROOT / "scripts" / "tls-cert"), str(tmp / "tls")], check=True, capture_output=True)
    http_port, https_port = free_port(), free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(nginx_conf(tmp, [p.port for p in procs["api"] if p.port], http_port, https_port))
    nginx = Proc(
        "nginx", [ensure_nginx(), "-c", str(conf), "-p", str(tmp), "-g", "daemon off;"], env, tmp / "nginx.log"
    )
    everything = [p for group in procs.values() for p in group]
    try:
        for p in everything:
            p.start()
        for p in procs["api"]:
            wait_http(f"http://127.0.0.1:{p.port}/readyz")
        nginx.start()
        verify = ssl.create_default_context(cafile=str(tmp / "tls" / "tls.crt"))
        base = f"https://localhost:{https_port}"
        wait_http(base + "/readyz", verify=verify)
        env["SCALE_DEMO_HTTP"] = f"http://localhost:{http_port}"
        env["SCALE_DEMO_TLS"] = tls_check(https_port, tmp / "tls" / "tls.crt")
        yield base, verify, procs
    finally:
        nginx.stop()
        for p in everything:
            p.stop()


async def run(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="ecovarejo-scale-"))
    db_url = args.database_url or await create_database(args.pg)
    namespace = f"scale{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "ECOVAREJO_DATABASE_URL": db_url,
        "ECOVAREJO_REDIS_URL": args.redis,
        "ECOVAREJO_BROKER_URL": args.nats,
        "ECOVAREJO_BUS_NAMESPACE": namespace,
        "ECOVAREJO_DATA_DIR": str(tmp / "data"),
        "ECOVAREJO_EMBEDDED_WORKERS": "false",
        "ECOVAREJO_GATEWAY_RATE_LIMITS": "off",
        "ECOVAREJO_LOG_LEVEL": "WARNING",
        "ECOVAREJO_DB_POOL_SIZE": "5",
    }
    try:
        if not args.database_url:
            print(f"migrating {db_url.rsplit('/', 1)[1]}")
            subprocess.run([sys.executable, "-m", "ecovarejo.cli", "migrate"], env=env, cwd=ROOT, check=True,
                           capture_output=True)  # fmt: skip
        tokens = await seed(env, customers=args.concurrency)
        with cluster(args, env, tmp) as (base, verify, procs):
            print(f"nginx (TLS 1.3) {base} -> {args.apis} APIs, {args.workers} workers, {args.relays} relays; "
                  f"{args.concurrency} clients for {args.duration:.0f}s")  # fmt: skip
            r = httpx.get(env["SCALE_DEMO_HTTP"] + "/healthz", follow_redirects=False)
            hsts = httpx.get(base + "/healthz", verify=verify).headers.get("strict-transport-security")
            print(f"TLS: {env['SCALE_DEMO_TLS']}; http -> {r.status_code} {r.headers.get('location')}; HSTS: {hsts}")
            traffic = Traffic(concurrency=args.concurrency)
            kill_at, restart_at = args.duration * 0.35, args.duration * 0.55
            load = asyncio.create_task(drive(base, verify, tokens, args.duration, args.concurrency, traffic))
            await asyncio.sleep(kill_at)
            victims = [procs["api"][0], procs["worker"][0], procs["relay"][0]]
            for victim in victims:
                victim.kill9()
            print(f"t={time.monotonic() - traffic.start:.1f}s kill -9: {', '.join(v.name for v in victims)}")
            await asyncio.sleep(max(0.0, restart_at - (time.monotonic() - traffic.start)))
            for victim in victims:
                victim.start()
            print(f"t={time.monotonic() - traffic.start:.1f}s restarted them")
            await load
            phases = [("before", 0.0, kill_at), ("during", kill_at, restart_at), ("after", restart_at, args.duration)]
            for line in report(traffic, phases):
                print(line)
            if traffic.reasons:
                print("errors: " + ", ".join(f"{k} x{v}" for k, v in traffic.reasons.most_common(6)))
            failures = await verify_effects(env, traffic, args.drain_timeout)
        if failures:
            print("FAILED:\n  " + "\n  ".join(failures))
            print(f"logs: {tmp}")
            return 1
        print("OK: zero lost or duplicated effects after the kills")
        return 0
    finally:
        if not args.database_url and not args.keep:
            with contextlib.suppress(Exception):
                await drop_database(db_url)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--concurrency", type=int, default=24)
    ap.add_argument("--apis", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--relays", type=int, default=2)
    ap.add_argument(
        "--pg",
        default=os.environ.get("ECOVAREJO_TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"),
    )
    ap.add_argument("--database-url", default="", help="an already migrated database to use (it is kept)")
    ap.add_argument("--redis", default=os.environ.get("ECOVAREJO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    ap.add_argument("--nats", default=os.environ.get("ECOVAREJO_TEST_BROKER_URL", "nats://127.0.0.1:4222"))
    ap.add_argument("--drain-timeout", type=float, default=60.0)
    ap.add_argument("--keep", action="store_true", help="keep the database and the logs")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(run(parse(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
