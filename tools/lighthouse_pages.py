"""Lighthouse scores of the storefront's home, search, product, cart and checkout pages (issue #19: ≥ 95
in performance, accessibility, best practices and SEO). A measurement, not a test: run it by hand.

    python tools/lighthouse_pages.py                    # serves a fresh demo (migrate + seed-demo) itself
    python tools/lighthouse_pages.py --url http://127.0.0.1:8000   # or measures a demo already served

Needs the npm ``lighthouse`` package (``npm install lighthouse``; ``--lighthouse`` names its command,
default ``lighthouse`` on the PATH) and a Chromium (``--chrome``, default Debian's ``/usr/bin/chromium``),
run headless. Lighthouse's default mobile profile (Moto G Power, simulated slow 4G); each page is
measured ``--runs`` times (default 5) and the median score of each category is printed. The cart and the
checkout are measured with goods in a guest cart: the script puts a product in one and hands its cookies
to Lighthouse. Prints one row per page and exits 1 when a score is under ``--minimum``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_demo(products: int) -> Iterator[str]:
    """``ecovarejo migrate``, ``seed-demo`` and ``serve`` on a SQLite database in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="ev-lighthouse-") as tmp:
        env = {
            **os.environ,
            "ECOVAREJO_DATA_DIR": str(Path(tmp) / "var"),
            "ECOVAREJO_DATABASE_URL": "",
            "ECOVAREJO_REDIS_URL": "",
            "ECOVAREJO_BROKER_URL": "",
            "ECOVAREJO_LOG_LEVEL": "WARNING",
        }
        cli = [sys.executable, "-m", "ecovarejo.cli"]
        subprocess.run([*cli, "migrate"], env=env, check=True)  # noqa: S603 (our own CLI)
        subprocess.run([*cli, "seed-demo", "--products", str(products)], env=env, check=True)  # noqa: S603
        port = free_port()
        server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env)  # noqa: S603
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the demo server did not start")
                time.sleep(0.5)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


def pages_and_cookies(url: str) -> tuple[dict[str, str], str]:
    """The five pages' addresses (a real product and a word of its name for the search) and the cookies
    of a guest cart holding that product."""
    with httpx.Client(base_url=url, timeout=30, follow_redirects=False) as c:
        items = c.get("/api/v1/products", params={"limit": 20}).json()["items"]
        product = next(p for p in items if p.get("in_stock", True))
        word = next(w for w in re.findall(r"\w+", product["name"]) if len(w) > 3)
        page = c.get(f"/p/{product['slug']}")
        page.raise_for_status()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        sku = re.search(r'name="sku" value="([^"]+)"', page.text)
        assert csrf and sku, "the product page has no add-to-cart form"
        # the cookies are Secure: httpx keeps them from plain http, so they travel by hand (as in Chromium,
        # which takes localhost for a secure origin)
        jar = dict(page.cookies.items())
        added = c.post(
            "/carrinho/itens",
            data={"csrf_token": csrf.group(1), "sku": sku.group(1), "quantity": "1"},
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())},
        )
        assert added.status_code in (200, 303), added.text[:500]
        jar.update(added.cookies.items())
        cookies = "; ".join(f"{k}={v}" for k, v in jar.items())
    pages = {
        "home": "/",
        "search": f"/busca?q={word}",
        "product": f"/p/{product['slug']}",
        "cart": "/carrinho",
        "checkout": "/checkout",
    }
    return {name: url + path for name, path in pages.items()}, cookies


def measure(lighthouse: str, chrome: str, address: str, cookies: str, report: Path | None) -> dict[str, int]:
    cmd = [
        *shlex.split(lighthouse),
        address,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        f"--only-categories={','.join(CATEGORIES)}",
        # without site isolation: with it, this Chromium's trace lacks the page's navigationStart for
        # Lighthouse 12 and 13 (NO_NAVSTART, no performance score)
        "--chrome-flags=--headless --no-sandbox --disable-gpu --disable-features=site-per-process"
        " --disable-site-isolation-trials",
        f"--extra-headers={json.dumps({'Cookie': cookies})}",
    ]
    # the operator's own lighthouse command
    done = subprocess.run(cmd, env={**os.environ, "CHROME_PATH": chrome}, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"lighthouse failed on {address}: {done.stderr[-2000:]}")
    result = json.loads(done.stdout)
    if report is not None:
        report.write_text(done.stdout, encoding="utf-8")
    failing = [
        f"  {cat}: {a['id']} ({a.get('score')})"
        for cat in CATEGORIES
        for ref in result["categories"][cat]["auditRefs"]
        if ref.get("weight")
        for a in [result["audits"][ref["id"]]]
        if a.get("score") is not None and a["score"] < 1
    ]
    if failing:
        print(f"{address}: audits under 1\n" + "\n".join(failing), file=sys.stderr)
    return {cat: round(100 * (result["categories"][cat]["score"] or 0)) for cat in CATEGORIES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a demo already served (else one is served from a fresh seed-demo)")
    parser.add_argument("--lighthouse", default=os.environ.get("LIGHTHOUSE", "lighthouse"))
    parser.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    parser.add_argument("--products", type=int, default=24, help="catalog size of the demo served")
    parser.add_argument("--minimum", type=int, default=95)
    parser.add_argument("--reports", type=Path, help="a directory for the full JSON reports")
    parser.add_argument("--runs", type=int, default=5, help="runs per page; the median score of each category")
    parser.add_argument("--pages", default="", help="comma-separated subset of: home,search,product,cart,checkout")
    args = parser.parse_args()

    def run(url: str) -> int:
        pages, cookies = pages_and_cookies(url)
        print(f"{'page':<10}" + "".join(f"{c:>16}" for c in CATEGORIES))
        worst = 100
        wanted = [p for p in args.pages.split(",") if p] or list(pages)
        for name, address in pages.items():
            if name not in wanted:
                continue
            runs = []
            for n in range(args.runs):
                report = args.reports / f"{name}-{n + 1}.json" if args.reports else None
                runs.append(measure(args.lighthouse, args.chrome, address, cookies, report))
            scores = {c: int(statistics.median_low([r[c] for r in runs])) for c in CATEGORIES}
            worst = min(worst, *scores.values())
            print(f"{name:<10}" + "".join(f"{scores[c]:>16}" for c in CATEGORIES), flush=True)
        return 0 if worst >= args.minimum else 1

    if args.reports:
        args.reports.mkdir(parents=True, exist_ok=True)
    if args.url:
        return run(args.url.rstrip("/"))
    with served_demo(args.products) as url:
        return run(url)


if __name__ == "__main__":
    raise SystemExit(main())
