"""Baseline benchmark: ``GET /healthz`` of the platform against a bare ASGI hello-world.

python -m bench.bench_health [--workers 2] [--duration 10]
"""

from __future__ import annotations

import argparse

from bench.harness import Bench


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--connections", type=int, default=64)
    args = ap.parse_args()
    with Bench(workers=args.workers, duration=args.duration, connections=args.connections) as bench:
        bench.baseline()
        env = bench.platform_env()
        bench.migrate(env)
        with bench.serve_platform(env) as url:
            bench.measure("GET /healthz", url, ["/healthz"])
            bench.measure("GET /readyz (database round trip)", url, ["/readyz"])
        bench.report("EcoVarejo /healthz vs bare ASGI")


if __name__ == "__main__":
    main()
