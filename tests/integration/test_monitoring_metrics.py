"""Every metric the alert rules and the Grafana dashboards query is served by /metrics of the app, and the
consumer-lag gauges count what a consumer has not handled yet."""

from __future__ import annotations

from datetime import timedelta

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from ecovarejo.bootstrap import build_container
from ecovarejo.core.consumers import Consumer
from ecovarejo.core.db import utcnow
from ecovarejo.core.events import Event
from ecovarejo.core.models import InboxEntry, OutboxEvent
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.gateway.metrics import exposition
from tests.support import make_tenant
from tests.unit.deploy.monitoring_support import all_queries, metric_names


async def test_alerts_and_dashboards_only_use_metrics_that_exist(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    served = {f.name for f in text_string_to_metric_families(response.text)}
    wanted = metric_names(all_queries())
    assert {
        "ecovarejo_consumer_lag_seconds",
        "ecovarejo_payment_provider_circuit_open",
        "ecovarejo_reservations_expired_backlog",
        "ecovarejo_jwt_signing_key_age_seconds",
        "ecovarejo_http_request_duration_seconds",
    } <= wanted
    assert wanted - served == set()


async def test_consumer_lag_counts_published_events_a_consumer_has_not_handled(settings) -> None:
    settings.embedded_workers = False
    container = build_container(settings, contexts=[])

    async def handler(uow: UnitOfWork, event: Event) -> None:
        return None

    container.consumers.append(Consumer("lag-probe", ("order-events",), handler, frozenset({"order.placed"})))
    await container.start()
    try:
        tenant = await make_tenant(container)
        async with container.uow(tenant) as uow:
            placed = uow.emit("order-events", "order.placed", {})
            uow.emit("order-events", "order.other", {})  # a type the consumer does not want
            uow.emit("product-events", "product.created", {})  # a topic it does not read
            await uow.commit()

        def gauges(text: str) -> dict[str, float]:
            return {
                f.name: s.value
                for f in text_string_to_metric_families(text)
                for s in f.samples
                if s.labels.get("consumer") == "lag-probe"
            }

        assert gauges((await exposition(container)).decode())["ecovarejo_consumer_pending_events"] == 0  # unpublished
        async with container.db.system_session() as s:
            await s.execute(update(OutboxEvent).values(published_at=utcnow() - timedelta(seconds=30)))
            await s.commit()
        values = gauges((await exposition(container)).decode())
        assert values["ecovarejo_consumer_pending_events"] == 1
        assert values["ecovarejo_consumer_lag_seconds"] >= 30
        async with container.db.system_session() as s:
            s.add(InboxEntry(consumer="lag-probe", event_id=placed.id))
            await s.commit()
        values = gauges((await exposition(container)).decode())
        assert values == {"ecovarejo_consumer_pending_events": 0, "ecovarejo_consumer_lag_seconds": 0}
    finally:
        await container.stop()
