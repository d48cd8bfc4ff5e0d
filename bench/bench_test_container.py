"""What one test's container costs in CPU, against the same container as the suite ran it before
(docs/development.md, "Keeping the suite short in CI"):

- **idle**: a started container with nothing to do for ``--idle`` seconds. Baseline: the relay polling
  every ``relay_interval`` (0.05 s, the tests' value) all the time, as before ``relay_idle_interval``;
  now: the idle back-off up to ``relay_idle_interval`` (1 s).
- **bootstrap**: ``build_container`` on a fresh data directory. Baseline: a new RSA signing key and the
  context sections read from the environment per container; now: what ``tests/conftest.make_settings``
  gives (one key per process, sections read once per environment).

CPU seconds (``time.process_time``), so the figure holds on a loaded machine.

python -m bench.bench_test_container [--idle 10] [--builds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from ecovarejo.bootstrap import build_container
from ecovarejo.core import migrate
from ecovarejo.core.settings import Settings
from ecovarejo.gateway.config import GatewaySettings


def _settings(url: str, data_dir: Path, **extra: object) -> Settings:
    values: dict[str, object] = {
        "database_url": url,
        "data_dir": data_dir,
        "log_level": "WARNING",
        "relay_interval": 0.05,
        "secret_key": "bench-secret-key-not-for-production",
    }
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


async def _idle(settings: Settings, seconds: float) -> float:
    c = build_container(settings)
    await c.start()
    try:
        await asyncio.sleep(1.0)  # the start's own work
        t0 = time.process_time()
        await asyncio.sleep(seconds)
        return time.process_time() - t0
    finally:
        await c.stop()


def _builds(make: object, n: int) -> float:
    t0 = time.process_time()
    for _ in range(n):
        settings = make()  # type: ignore[operator]
        c = build_container(settings)
        asyncio.run(c.db.dispose())
    return (time.process_time() - t0) / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--idle", type=float, default=10.0)
    ap.add_argument("--builds", type=int, default=20)
    args = ap.parse_args()
    from tests.conftest import make_settings

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        migrate.upgrade(Settings(database_url=url))

        before = asyncio.run(_idle(_settings(url, tmp / "a", relay_idle_interval=0.05), args.idle))
        now = asyncio.run(_idle(_settings(url, tmp / "b"), args.idle))
        print(f"idle container, {args.idle:.0f} s: baseline (poll every 0.05 s) {before:.3f} s CPU, "
              f"now {now:.3f} s CPU: {before / max(now, 1e-6):.1f}x less")  # fmt: skip

        def old() -> Settings:
            return _settings(url, tmp / uuid.uuid4().hex).with_sections(GatewaySettings(rate_limits=False))

        def new() -> Settings:
            return make_settings(url, tmp / uuid.uuid4().hex)

        new()  # the process's one key and the sections' first read, as a test process's first test
        b_old = _builds(old, args.builds)
        b_new = _builds(new, args.builds)
        print(f"container bootstrap: baseline {b_old * 1000:.0f} ms CPU, now {b_new * 1000:.0f} ms CPU: "
              f"{b_old / max(b_new, 1e-6):.1f}x less")  # fmt: skip


if __name__ == "__main__":
    main()
