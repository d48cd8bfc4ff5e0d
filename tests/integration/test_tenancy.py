"""A query run for tenant A can neither see nor change a row of tenant B: in the ORM on both
databases, and on PostgreSQL through raw SQL as well (row-level security)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update

from ecovarejo.core.container import Container
from tests.conftest import needs_pg
from tests.support import Probe, create_probe_table, make_tenant


@pytest.fixture
async def two_tenants(container: Container) -> tuple:
    await create_probe_table(container.db, container.settings.db_app_role)
    a = await make_tenant(container)
    b = await make_tenant(container)
    for tenant, label in ((a, "a1"), (a, "a2"), (b, "b1")):
        async with container.uow(tenant) as uow:
            uow.session.add(Probe(label=label))
            await uow.commit()
    return a, b


async def test_orm_reads_only_own_rows(container: Container, two_tenants: tuple) -> None:
    a, b = two_tenants
    async with container.uow(a, read_only=True) as uow:
        labels = sorted((await uow.session.scalars(select(Probe.label))).all())
    assert labels == ["a1", "a2"]
    async with container.uow(b, read_only=True) as uow:
        assert (await uow.session.scalars(select(Probe.label))).all() == ["b1"]
        assert await uow.session.scalar(select(func.count()).select_from(Probe)) == 1


async def test_orm_cannot_change_other_tenant(container: Container, two_tenants: tuple) -> None:
    a, _b = two_tenants
    async with container.db.system_session() as s:
        b_row = await s.scalar(select(Probe).where(Probe.label == "b1"))
    async with container.uow(a) as uow:
        assert await uow.session.get(Probe, b_row.id) is None
        res = await uow.session.execute(update(Probe).where(Probe.id == b_row.id).values(label="hacked"))
        assert res.rowcount == 0
        res = await uow.session.execute(delete(Probe).where(Probe.label == "b1"))
        assert res.rowcount == 0
        await uow.commit()
    async with container.db.system_session() as s:
        assert (await s.scalar(select(Probe.label).where(Probe.id == b_row.id))) == "b1"


async def test_insert_is_stamped_and_foreign_tenant_refused(container: Container, two_tenants: tuple) -> None:
    a, b = two_tenants
    async with container.uow(a) as uow:
        row = Probe(label="new")
        uow.session.add(row)
        await uow.flush()
        assert row.tenant_id == a
        await uow.commit()
    async with container.uow(a) as uow:
        uow.session.add(Probe(label="smuggled", tenant_id=b))
        with pytest.raises(PermissionError):
            await uow.flush()


@needs_pg
@pytest.mark.parametrize("backend", ["postgres"])
async def test_raw_sql_is_confined_by_rls(container: Container, two_tenants: tuple, backend: str) -> None:
    if not container.db.is_postgres:
        pytest.fail("this test must run on PostgreSQL")
    a, b = two_tenants
    async with container.uow(a) as uow:
        rows = (await uow.session.execute(text("SELECT label FROM probes ORDER BY label"))).scalars().all()
        assert rows == ["a1", "a2"]
        res = await uow.session.execute(text("UPDATE probes SET label = 'x' WHERE label = 'b1'"))
        assert res.rowcount == 0
        res = await uow.session.execute(text("DELETE FROM probes WHERE label = 'b1'"))
        assert res.rowcount == 0
        with pytest.raises(Exception, match="row-level security"):
            await uow.session.execute(
                text("INSERT INTO probes (id, tenant_id, label) VALUES (gen_random_uuid(), :b, 'x')"), {"b": b}
            )
    async with container.db.system_session() as s:
        assert (await s.scalars(select(Probe.label).order_by(Probe.label))).all() == ["a1", "a2", "b1"]


async def test_rows_read_in_a_read_only_unit_stay_usable_after_it(container: Container, two_tenants: tuple) -> None:
    a, _b = two_tenants
    async with container.uow(a, read_only=True) as uow:
        rows = (await uow.session.scalars(select(Probe).order_by(Probe.label))).all()
    assert [r.label for r in rows] == ["a1", "a2"]
