"""Catalog benchmark: product detail, listing and search over real HTTP at a large catalog, on SQLite
(embedded) and PostgreSQL (scale-out), each as a ratio against the bare ASGI baseline of the run.

python -m bench.bench_catalog [--products 100000] [--workers 2] [--duration 10] [--backends sqlite,postgres]

PostgreSQL comes from ``ECOVAREJO_BENCH_DATABASE_URL`` (or ``ECOVAREJO_TEST_DATABASE_URL``): an admin
URL; the benchmark creates and drops its own database. The catalog is the demo catalog's bulk path
(one tenant). Reads go through the platform as deployed: public reads are cached (in process, keyed
by the catalog version), so the rotation sizes below decide how much is served from memory.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import urllib.parse
from pathlib import Path

from bench.harness import Bench, scratch_database, seed_catalog

SEARCH_TERMS = [
    # common
    "camiseta", "organica", "bambu", "reciclado", "algodao", "escova", "cafe", "caderno", "garrafa", "sabonete",
    "mochila", "chinelo", "tenis", "mel", "chocolate", "detergente", "pote", "manta", "vaso", "coleira",
    # multi-word, accents, prefixes
    "camiseta organica", "escova de dentes", "cafe organico", "garrafa termica", "calça jeans", "açúcar mascavo",
    "camis", "recicl", "talher", "biodeg",
    # rare, typos, no match
    "canhamo", "cortica", "sisal", "juta", "lyocell", "cera de abelha", "camizeta", "garafa", "chocolat",
    "bucha vegetal", "oculos de sol", "fralda", "xyzzy",
]  # fmt: skip


async def _seed(database_url: str, data_dir: Path, products: int) -> tuple[list[str], list[str]]:
    """Fill the default tenant with ``products`` products; return (slugs sample, category slugs)."""
    from ecovarejo.bootstrap import build_container
    from ecovarejo.core.settings import Settings

    settings = Settings(database_url=database_url, data_dir=data_dir, services="products", log_level="WARNING")
    container = build_container(settings, run_relay=False, run_consumers=False)
    try:
        slugs, cats = await seed_catalog(container, products)
    finally:
        await container.stop()
    return random.Random(7).sample(slugs, min(500, len(slugs))), cats


def _paths(slugs: list[str], cats: list[str]) -> dict[str, list[str]]:
    q = urllib.parse.quote
    listing = [f"/api/v1/products?limit=24&sort={s}" for s in ("newest", "price_asc", "price_desc", "score_desc")]
    listing += [f"/api/v1/products?limit=24&category={c}" for c in cats]
    listing += [f"/api/v1/products?limit=24&certification={c}" for c in ("GOTS", "FSC", "ECOCERT")]
    return {
        "detail": [f"/api/v1/products/{s}" for s in slugs],
        "listing": listing,
        "search": [f"/api/v1/products?limit=24&q={q(t)}" for t in SEARCH_TERMS],
    }


def _warm(base: str, paths: list[str], workers: int) -> int:
    """Request every path (once per worker, roughly) so wrk measures the steady state, cache warm."""
    import urllib.request

    n = 0
    for _ in range(workers):
        for p in paths:
            with urllib.request.urlopen(base + p, timeout=60) as r:
                r.read()
            n += 1
    return n


def _one_at_a_time(base: str, paths: list[str], rounds: int) -> tuple[float, float]:
    """(p50, p99) in ms of ``paths`` requested one at a time, ``rounds`` times each, cache warm: a
    query's own latency, without the queueing of wrk's concurrent connections."""
    import urllib.request

    took = []
    for _ in range(rounds):
        for p in paths:
            t = time.perf_counter()
            with urllib.request.urlopen(base + p, timeout=60) as r:
                r.read()
            took.append(1000 * (time.perf_counter() - t))
    took.sort()
    return took[len(took) // 2], took[min(len(took) - 1, int(len(took) * 0.99))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--backends", default="sqlite,postgres")
    args = ap.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    with Bench(workers=args.workers, duration=args.duration, connections=args.connections) as bench:
        bench.baseline()
        for backend in backends:
            with scratch_database(backend, bench.tmp) as url:
                if url is None:
                    continue
                env = bench.platform_env(ECOVAREJO_DATABASE_URL=url, ECOVAREJO_SERVICES="products")
                bench.migrate(env)
                t0 = time.monotonic()
                slugs, cats = asyncio.run(_seed(url, bench.tmp / "var", args.products))
                print(f"{backend}: {args.products} products seeded in {time.monotonic() - t0:.0f}s")
                paths = _paths(slugs, cats)
                with bench.serve_platform(env) as base:
                    t1 = time.monotonic()
                    misses = _warm(base, [p for ps in paths.values() for p in ps], args.workers)
                    each = 1000 * (time.monotonic() - t1) / misses
                    print(f"{backend}: warm-up {misses} cold requests, {each:.1f} ms each")
                    for name, ps in paths.items():
                        bench.measure(f"{backend}: {name} ({len(ps)} paths)", base, ps)
                    p50, p99 = _one_at_a_time(base, paths["search"], rounds=5)
                    n = len(paths["search"])
                    print(f"{backend}: search one at a time ({n} terms × 5): p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        bench.report(f"EcoVarejo catalog at {args.products} products vs bare ASGI")


if __name__ == "__main__":
    main()
