"""``/metrics`` in Prometheus' exposition format: traffic by route template, pool, outbox, dead letters."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ecovarejo.core.models import DeadLetter
from tests.support import eventually, make_tenant


def _families(text: str) -> dict[str, object]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def _value(families, name: str, **labels: str) -> float:
    total = 0.0
    for sample in families[name].samples:
        if sample.name.endswith(("_created", "_bucket")):
            continue
        if all(sample.labels.get(k) == v for k, v in labels.items()):
            total += sample.value
    return total


async def test_metrics_parse_and_count_by_route_template(gateway_app, settings) -> None:
    async with gateway_app(settings, rate_limits=False) as g:
        before = _families((await g.client.get("/metrics")).text)
        base = (
            _value(before, "ecovarejo_http_requests", route="/gwtest/products/items", status="200")
            if "ecovarejo_http_requests" in before
            else 0.0
        )
        for n in (1, 2, 3):
            assert (await g.client.get(f"/gwtest/products/items?n={n}")).status_code == 200
        assert (await g.client.get("/no/such/path")).status_code == 404
        r = await g.client.get("/metrics")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/plain")
        fam = _families(r.text)
        assert _value(fam, "ecovarejo_http_requests", route="/gwtest/products/items", status="200") == base + 3
        assert _value(fam, "ecovarejo_http_requests", route="/gwtest/products/items", service="shop") >= 3
        assert _value(fam, "ecovarejo_http_requests", route="unmatched", status="404") >= 1
        # raw paths never become label values (bounded cardinality)
        assert not any("n=2" in str(s.labels) for s in fam["ecovarejo_http_requests"].samples)
        hist = [s for s in fam["ecovarejo_http_request_duration_seconds"].samples if s.name.endswith("_count")]
        assert any(s.labels["route"] == "/gwtest/products/items" and s.value >= 3 for s in hist)
        assert _value(fam, "ecovarejo_http_bandwidth_bytes", service="shop", direction="egress") > 0
        assert _value(fam, "ecovarejo_gateway_events", service="shop", event="cache_hit") >= 0
        for name in ("ecovarejo_db_pool_checked_out", "ecovarejo_outbox_backlog", "ecovarejo_outbox_lag_seconds"):
            assert name in fam
        for name in ("ecovarejo_dead_letters", "ecovarejo_orders", "ecovarejo_revenue_brl", "ecovarejo_co2e_sold_kg"):
            assert name in fam


async def test_outbox_backlog_lag_and_dead_letters(gateway_app, settings) -> None:
    async with gateway_app(settings, rate_limits=False) as g:
        g.container.relay and await g.container.relay.stop()
        tenant = await make_tenant(g.container)
        async with g.container.uow(tenant) as uow:
            for i in range(3):
                uow.emit("order-events", "order.probe", {"i": i})
            await uow.commit()
        async with g.container.db.system_session() as s:
            s.add(
                DeadLetter(
                    consumer="probe",
                    event_id=uuid.uuid4(),
                    tenant_id=tenant,
                    topic="order-events",
                    type="order.probe",
                    envelope={},
                    error="boom",
                    attempts=5,
                )
            )
            await s.commit()
        fam = _families((await g.client.get("/metrics")).text)
        assert _value(fam, "ecovarejo_outbox_backlog") == 3
        assert _value(fam, "ecovarejo_outbox_lag_seconds") >= 0
        assert _value(fam, "ecovarejo_dead_letters") == 1


async def test_metrics_are_for_the_local_network_or_the_token(gateway_app, settings) -> None:
    async with gateway_app(settings, client="8.8.8.8") as g:
        r = await g.client.get("/metrics")
        assert r.status_code == 403
        assert r.json()["code"] == "metrics_forbidden"
    async with gateway_app(settings, client="8.8.8.8", metrics_token="scrape-secret") as g:
        assert (await g.client.get("/metrics")).status_code == 401
        r = await g.client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert r.status_code == 200
        assert "ecovarejo_outbox_backlog" in r.text


def test_multiprocess_mode_adds_up_the_workers(tmp_path: Path) -> None:
    """Two worker processes count requests; a scrape from a third sees the sum (PROMETHEUS_MULTIPROC_DIR)."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    worker = textwrap.dedent(
        """
        import sys
        from ecovarejo.gateway import metrics
        for _ in range(int(sys.argv[1])):
            metrics.REQUESTS.labels("shop", "/api/v1/products", "GET", "200").inc()
            metrics.DURATION.labels("shop", "/api/v1/products", "GET").observe(0.01)
        """
    )
    for n in ("3", "4"):
        subprocess.run([sys.executable, "-c", worker, n], env=env, check=True)
    scrape = textwrap.dedent(
        """
        from ecovarejo.gateway import metrics
        print(metrics.traffic_exposition().decode())
        """
    )
    out = subprocess.run([sys.executable, "-c", scrape], env=env, check=True, capture_output=True, text=True).stdout
    fam = _families(out)
    assert _value(fam, "ecovarejo_http_requests", route="/api/v1/products", status="200") == 7
    counts = [s for s in fam["ecovarejo_http_request_duration_seconds"].samples if s.name.endswith("_count")]
    assert sum(s.value for s in counts) == 7


async def test_business_gauges_from_the_contexts_services(gateway_app, settings, monkeypatch) -> None:
    from ecovarejo.gateway import metrics

    from . import fake_sales

    monkeypatch.setattr(
        metrics,
        "BUSINESS_SOURCES",
        (
            ("broken", fake_sales.broken),  # tolerated: logged, left out
            ("sales", fake_sales.business_metrics),
        ),
    )
    async with gateway_app(settings) as g:
        await make_tenant(g.container, "loja-verde")
        fam = _families((await g.client.get("/metrics")).text)
        assert _value(fam, "ecovarejo_orders", tenant="loja-verde") == 2
        assert _value(fam, "ecovarejo_revenue_brl", tenant="loja-verde") == 199.90
        assert _value(fam, "ecovarejo_co2e_sold_kg", tenant="loja-verde") == 1.25


async def test_per_consumer_counts(gateway_app, settings) -> None:
    from tests.support import bearer, token_for

    async with gateway_app(settings, rate_limits=False) as g:
        tenant = await make_tenant(g.container)
        user = uuid.uuid4()
        token = token_for(g.container, tenant, user_id=user)
        for _ in range(2):
            r = await g.client.get("/gwtest/private/me", headers={"X-Tenant-ID": str(tenant), **bearer(token)})
            assert r.status_code == 200
        fam = _families((await g.client.get("/metrics")).text)
        assert _value(fam, "ecovarejo_http_consumer_requests", consumer=str(user), service="private") == 2


async def test_business_counters_follow_the_order_events(gateway_app, settings) -> None:
    async with gateway_app(settings, rate_limits=False) as g:
        tenant = await make_tenant(g.container)
        paid = {"order_id": str(uuid.uuid4()), "total": "194.70", "currency": "BRL", "carbon_footprint_kg": "5.90"}
        async with g.container.uow(tenant) as uow:
            uow.emit("order-events", "order.placed", paid)
            uow.emit("order-events", "order.paid", paid)
            uow.emit("order-events", "order.paid", {**paid, "total": "10.30", "carbon_footprint_kg": "0.10"})
            uow.emit("order-events", "order.refunded", {**paid, "amount": "10.30"})
            await uow.commit()
        t = str(tenant)

        async def refunded() -> dict | None:
            fam = _families((await g.client.get("/metrics")).text)
            return (
                fam if "ecovarejo_refunded_brl" in fam and _value(fam, "ecovarejo_refunded_brl", tenant=t) > 0 else None
            )

        fam = await eventually(refunded)
        assert _value(fam, "ecovarejo_orders_paid", tenant=t) == 2
        assert _value(fam, "ecovarejo_revenue_paid_brl", tenant=t) == pytest.approx(205.00)
        assert _value(fam, "ecovarejo_co2e_sold_paid_kg", tenant=t) == pytest.approx(6.00)
        assert _value(fam, "ecovarejo_refunded_brl", tenant=t) == pytest.approx(10.30)
