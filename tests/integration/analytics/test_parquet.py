"""Parquet: the facts exported partitioned by tenant and day (the layout Spark/Trino/DuckDB read), the
same sums as the reports, re-export idempotent; one report downloadable as a Parquet file."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ecovarejo.analytics import public
from tests.support import bearer, make_tenant, token_for

from .facts import plant


async def test_facts_export_partitioned_by_tenant_and_day(container, client, tmp_path: Path) -> None:
    tid = await make_tenant(container)
    await plant(container, tid)
    written = await public.export_facts(container, tid, tmp_path, date(2026, 2, 1), date(2026, 3, 31))
    assert written["analytics_orders"] == 5 and written["analytics_order_lines"] == 6
    root = tmp_path / "analytics_orders"
    days = sorted(p.name for p in (root / f"tenant_id={tid}").iterdir())
    assert days == ["day=2026-02-20", "day=2026-03-02", "day=2026-03-05", "day=2026-03-09"]
    # read back as one hive-partitioned table, as an engine would: the sales report's March figures
    table = ds.dataset(root, format="parquet", partitioning="hive").to_table().to_pylist()
    march = [r for r in table if str(r["day"]).startswith("2026-03") and r["paid"]]
    assert {str(r["tenant_id"]) for r in table} == {str(tid)}
    assert sum(r["total_cents"] for r in march) == 45000 and sum(r["refunded_cents"] for r in march) == 5000
    lines = ds.dataset(tmp_path / "analytics_order_lines", format="parquet", partitioning="hive").to_table()
    assert sum(lines.column("quantity").to_pylist()) == 24
    # exporting again replaces the days' files: nothing doubles
    await public.export_facts(container, tid, tmp_path, date(2026, 2, 1), date(2026, 3, 31))
    again = ds.dataset(root, format="parquet", partitioning="hive").to_table()
    assert again.num_rows == 5

    h = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "customer", permissions=("view_reports",)))}
    r = await client.get("/api/v1/analytics/reports/state?start=2026-03-01&end=2026-03-10&format=parquet", headers=h)
    assert r.status_code == 200 and "parquet" in r.headers["content-disposition"]
    got = pq.read_table(io.BytesIO(r.content)).to_pylist()
    as_json = (await client.get("/api/v1/analytics/reports/state?start=2026-03-01&end=2026-03-10", headers=h)).json()
    assert [list(row.values()) for row in got] == as_json["rows"]
    bad = await client.get("/api/v1/analytics/reports/state?format=xlsx", headers=h)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_format"
