"""Dead letters an operator can act on: replay through the consumer's normal path (once-only), discard,
list; from the kernel API and the ``ecovarejo events dead-letters`` command."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ecovarejo.bootstrap import build_container
from ecovarejo.core import deadletters
from ecovarejo.core.consumers import Consumer, Outcome, dead_letter_raw, deliver
from ecovarejo.core.errors import Conflict
from ecovarejo.core.events import Event
from ecovarejo.core.uow import UnitOfWork
from tests.conftest import make_settings
from tests.support import Probe, create_probe_table, make_tenant


@pytest.fixture
async def c(settings):
    settings.embedded_workers = False
    container = build_container(settings, contexts=[])
    await container.start()
    await create_probe_table(container.db, settings.db_app_role)
    yield container
    await container.stop()


def _flaky(state: dict[str, bool]) -> Consumer:
    async def handler(uow: UnitOfWork, event: Event) -> None:
        if state["broken"]:
            raise ValueError("cannot handle yet")
        uow.session.add(Probe(label=str(event.id)))

    return Consumer("probe", ("order-events",), handler)


async def _effects(c, tenant, event) -> int:
    async with c.uow(tenant, read_only=True) as uow:
        return int(
            await uow.session.scalar(select(func.count()).select_from(Probe).where(Probe.label == str(event.id)))
        )


async def test_replay_after_the_fix_has_the_effect_once_and_resolves_it(c) -> None:
    state = {"broken": True}
    consumer = _flaky(state)
    c.consumers.append(consumer)
    tenant = await make_tenant(c)
    event = Event(topic="order-events", type="order.placed", data={}, tenant_id=tenant)
    assert await deliver(c.db, consumer, event, attempt=1, max_attempts=1) is Outcome.DEAD
    [letter] = await deadletters.list_dead_letters(c)
    assert letter.event_id == event.id and "cannot handle yet" in letter.error

    assert await deadletters.replay(c, letter.id, actor="test") == "retry"  # still broken: stays open
    assert [d.id for d in await deadletters.list_dead_letters(c)] == [letter.id]
    state["broken"] = False
    assert await deadletters.replay(c, letter.id, actor="test") == "done"
    assert await _effects(c, tenant, event) == 1
    assert await deadletters.list_dead_letters(c) == []
    with pytest.raises(Conflict):
        await deadletters.replay(c, letter.id, actor="test")
    # the bus redelivering it meanwhile is a no-op: the inbox saw it
    assert await deliver(c.db, consumer, event, attempt=1, max_attempts=1) is Outcome.DUPLICATE
    assert await _effects(c, tenant, event) == 1


async def test_discard_and_malformed(c) -> None:
    c.consumers.append(_flaky({"broken": True}))
    assert await dead_letter_raw(c.db, "probe", b"garbage", "not JSON") is Outcome.DEAD
    [letter] = await deadletters.list_dead_letters(c)
    with pytest.raises(Conflict, match="malformed"):
        await deadletters.replay(c, letter.id, actor="test")
    await deadletters.discard(c, letter.id, actor="test")
    assert await deadletters.list_dead_letters(c) == []
    [kept] = await deadletters.list_dead_letters(c, include_resolved=True)
    assert kept.resolved_at is not None


def test_cli_lists_and_discards(sqlite_url, tmp_path, monkeypatch) -> None:
    from ecovarejo.cli import app
    from ecovarejo.core.settings import get_settings

    settings = make_settings(sqlite_url, tmp_path)

    async def plant() -> None:
        container = build_container(settings, contexts=[])
        await dead_letter_raw(container.db, "probe", b"garbage", "not JSON")
        await container.db.dispose()

    asyncio.run(plant())
    monkeypatch.setenv("ECOVAREJO_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ECOVAREJO_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ECOVAREJO_SECRET_KEY", "test-secret-key-not-for-production")
    get_settings.cache_clear()
    runner = CliRunner()
    listed = runner.invoke(app, ["events", "dead-letters", "list"])
    assert listed.exit_code == 0, listed.output
    assert "probe" in listed.output and "malformed" in listed.output
    letter_id = listed.output.splitlines()[1].split("\t")[0]
    gone = runner.invoke(app, ["events", "dead-letters", "discard", letter_id])
    assert gone.exit_code == 0, gone.output
    assert "probe" not in runner.invoke(app, ["events", "dead-letters", "list"]).output
    get_settings.cache_clear()
