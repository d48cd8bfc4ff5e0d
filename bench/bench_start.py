"""Start and seed: ``ecovarejo seed-demo`` on a fresh database, then ``ecovarejo serve`` from process start
to its first 200, and each worker's resident memory after start; the baseline is uvicorn serving the bare
ASGI hello-world (``bench/hello.py``), started the same way in the same run.

    python -m bench.bench_start   # SQLite; also PostgreSQL when ECOVAREJO_BENCH_DATABASE_URL names an empty database
    python -m bench.bench_start --no-seed   # start on a migrated, empty database (no 150 s seed first)

The machine's load average is printed with the figures: on a shared machine they move with it. The seed's
CPU seconds (this process's children) are printed beside its wall time for the same reason.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.harness import ROOT, free_port


def _env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "ECOVAREJO_DATA_DIR": str(data_dir)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("ECOVAREJO_DATABASE_URL", None)
    if database_url:
        env["ECOVAREJO_DATABASE_URL"] = database_url
    return env


def _cli(env: dict[str, str], *args: str) -> tuple[float, float]:
    """Run ``ecovarejo ARGS``; (wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ecovarejo.cli", *args], env=env, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return time.perf_counter() - t, cpu


def _first_200(cmd: list[str], env: dict[str, str], port: int, workers: int) -> tuple[float, list[float]]:
    """Seconds from process start to the first 200 of ``/healthz``; then each worker's RSS in MiB."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.02)
            if time.perf_counter() - t > 300:
                raise RuntimeError("no answer in 300 s")
        took = time.perf_counter() - t
        time.sleep(1.0 if workers > 1 else 0.1)  # the other workers finish starting
        return took, _worker_rss(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _worker_rss(pid: int) -> list[float]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [int(p) for p in children.read_text().split()] if children.exists() else []
    pids = [p for p in pids if "multiprocessing" not in Path(f"/proc/{p}/cmdline").read_text()] or [pid]
    return [int(Path(f"/proc/{p}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20 for p in pids]


def run(label: str, database_url: str | None, workers: int, *, seed: bool = True) -> None:
    with tempfile.TemporaryDirectory(prefix="ecovarejo-bench-start-") as tmp:
        env = _env(Path(tmp), database_url)
        _cli(env, "migrate")
        cli_wall, cli_cpu = _cli(env, "tenants", "list")
        print(f"{label}: a one-off command (tenants list) {cli_wall:.2f} s wall, {cli_cpu:.2f} s CPU")
        if seed:
            seed_wall, seed_cpu = _cli(env, "seed-demo")
            print(f"{label}: seed-demo {seed_wall:.1f} s wall, {seed_cpu:.1f} s CPU   (load {os.getloadavg()[0]:.1f})")
        port = free_port()
        base_cmd = [sys.executable, "-m", "uvicorn", "bench.hello:app", "--port", str(port), "--workers", str(workers),
                    "--log-level", "warning"]  # fmt: skip
        hello, _ = _first_200(base_cmd, env, port, workers)
        port = free_port()
        cmd = [sys.executable, "-m", "ecovarejo.cli", "serve", "--port", str(port), "--workers", str(workers)]
        ours, rss = _first_200(cmd, env, port, workers)
        print(
            f"{label}: serve --workers {workers} → first 200 in {ours:.2f} s (bare ASGI {hello:.2f} s, "
            f"ratio {hello / ours:.2f}); RSS per worker {', '.join(f'{r:.0f}' for r in rss)} MiB   "
            f"(load {os.getloadavg()[0]:.1f})"
        )


def main() -> None:
    seed = "--no-seed" not in sys.argv[1:]
    print(f"{os.cpu_count()} cores; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    run("SQLite", None, 1, seed=seed)
    url = os.environ.get("ECOVAREJO_BENCH_DATABASE_URL")
    if url:
        run("PostgreSQL", url, 2, seed=seed)


if __name__ == "__main__":
    main()
