"""Seed benchmark: ``seed-demo`` time per context, and the ml context's history read against the path it
replaced, measured in the same run.

python -m bench.bench_seed [--database-url postgresql+asyncpg://...] [--repeat 3]

- Seed: ``run_seed`` on a fresh database (SQLite in a temporary directory unless a URL is given; the
  database must be empty and migrated or new), each context's ``seed_demo`` timed (wall and CPU) for
  the two demo tenants.
- History read (what the fraud history and every model's training read: a year of purchases with
  their lines): ``orders.purchase_history`` (two column selects) against the baseline, the pages of
  ``orders.list_orders`` documents (ORM rows, 500 a page) the ml context read before. Ratio = baseline
  time / new time (higher is better).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from ecovarejo import seed as seed_mod
from ecovarejo.bootstrap import build_container
from ecovarejo.core import migrate
from ecovarejo.core.settings import Settings
from ecovarejo.orders import public as orders

NOT_PURCHASES = frozenset({"pending", "cancelled"})


async def _pages(uow: Any) -> list[dict[str, Any]]:
    """The baseline: every purchase through ``list_orders`` pages (the ml context's read before)."""
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await orders.list_orders(uow, limit=500, cursor=cursor)
        out.extend(o for o in page["items"] if o["status"] not in NOT_PURCHASES)
        cursor = page.get("next_cursor")
        if not cursor:
            return out


async def _best(fn: Callable[[], Awaitable[int]], repeat: int) -> tuple[float, int]:
    best, n = float("inf"), 0
    for _ in range(repeat):
        t = time.perf_counter()
        n = await fn()
        best = min(best, time.perf_counter() - t)
    return best, n


async def run(settings: Settings, repeat: int) -> None:
    timings: list[tuple[str, str, float, float]] = []
    real = seed_mod.build_container

    def timed_container(*args: Any, **kwargs: Any) -> Any:
        container = real(*args, **kwargs)
        for spec in container.contexts:
            if spec.seed_demo is None:
                continue
            fn = spec.seed_demo

            async def seed_demo(c: Any, uow: Any, options: dict[str, Any], fn: Any = fn, name: str = spec.name) -> None:
                t, cpu = time.perf_counter(), time.process_time()
                await fn(c, uow, options)
                timings.append((options["tenant"].slug, name, time.perf_counter() - t, time.process_time() - cpu))

            object.__setattr__(spec, "seed_demo", seed_demo)
        return container

    seed_mod.build_container = timed_container  # type: ignore[assignment]
    t, cpu = time.perf_counter(), time.process_time()
    try:
        tenants = await seed_mod.run_seed(settings, console=Console(quiet=True))
    finally:
        seed_mod.build_container = real
    total, total_cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"seed-demo ({settings.database_url.partition(':')[0]}): {total:.1f} s wall, {total_cpu:.1f} s CPU")
    for slug, name, wall, used in timings:
        print(f"  {slug:8s} {name:12s} {wall:6.2f} s wall {used:6.2f} s CPU")

    container = build_container(settings, run_relay=False, run_consumers=False)
    try:
        async with container.uow(tenants[-1].id, read_only=True) as uow:

            async def baseline() -> int:
                return len(await _pages(uow))

            async def lean() -> int:
                return len(await orders.purchase_history(uow, limit=200_000, exclude_status=NOT_PURCHASES))

            base, n_base = await _best(baseline, repeat)
            new, n_new = await _best(lean, repeat)
    finally:
        await container.stop()
    assert n_base == n_new, (n_base, n_new)
    print(f"history read, {n_new} purchases: list_orders pages {base * 1000:.0f} ms (baseline), "
          f"purchase_history {new * 1000:.0f} ms — ratio {base / new:.1f}x")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", default="")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'seed.db'}"
        settings = Settings(database_url=url, data_dir=Path(tmp) / "var", log_level="WARNING")
        migrate.upgrade(settings)
        asyncio.run(run(settings, args.repeat))


if __name__ == "__main__":
    main()
