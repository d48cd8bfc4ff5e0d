"""The audit log is hash-chained: it verifies intact, and any edit, removal or insertion is found."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from ecovarejo.bootstrap import build_container
from ecovarejo.core.container import Container
from ecovarejo.core.models import DEFAULT_TENANT_ID
from ecovarejo.core.settings import Settings
from ecovarejo.privacy import public as privacy
from ecovarejo.privacy.models import AuditEntry
from tests.support import make_tenant


async def _fill(container: Container, n: int = 4) -> uuid.UUID:
    subject = uuid.uuid4()
    for i in range(n):
        async with container.uow(DEFAULT_TENANT_ID, actor="user:dpo") as uow:
            await privacy.audit(uow, "personal_data.read", subject_id=subject, purpose="support", details={"i": i})
            await uow.commit()
    return subject


async def _verify(container: Container) -> privacy.ChainReport:
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        return await privacy.verify_audit_chain(uow)


async def test_chain_verifies_and_links_entries(container: Container) -> None:
    subject = await _fill(container)
    report = await _verify(container)
    assert report.ok and report.entries == 4
    async with container.uow(DEFAULT_TENANT_ID, read_only=True) as uow:
        recent = await privacy.recent_audit(uow, subject_id=subject)
    assert [r.seq for r in recent] == [4, 3, 2, 1] and recent[0].actor == "user:dpo"
    async with container.db.system_session() as s:
        rows = (await s.scalars(select(AuditEntry).order_by(AuditEntry.seq))).all()
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))


async def test_rolled_back_entries_leave_no_gap(container: Container) -> None:
    await _fill(container, 1)
    async with container.uow(DEFAULT_TENANT_ID) as uow:
        await privacy.audit(uow, "export", subject_id=uuid.uuid4())
        await uow.rollback()
    await _fill(container, 1)
    report = await _verify(container)
    assert report.ok and report.entries == 2


async def test_tenants_have_their_own_chains(container: Container) -> None:
    other = await make_tenant(container, "outra-loja")
    await _fill(container, 2)
    async with container.uow(other, actor="cli") as uow:
        await privacy.audit(uow, "erasure", subject_id=uuid.uuid4())
        await uow.commit()
    async with container.uow(other, read_only=True) as uow:
        report = await privacy.verify_audit_chain(uow)
    assert report.ok and report.entries == 1
    assert (await _verify(container)).entries == 2


@pytest.mark.parametrize("tamper", ["edit", "remove_middle", "remove_last", "relink"])
async def test_tampering_is_detected(container: Container, tamper: str) -> None:
    await _fill(container)
    async with container.db.system_session() as s:  # the owner's credentials: the app role cannot change entries
        if tamper == "edit":
            await s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(purpose="marketing"))
        elif tamper == "remove_middle":
            await s.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
        elif tamper == "remove_last":
            await s.execute(delete(AuditEntry).where(AuditEntry.seq == 4))
        else:  # recompute nothing, just point entry 3 at entry 1
            first = await s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))
            await s.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(prev_hash=first))
        await s.commit()
    report = await _verify(container)
    assert not report.ok
    assert report.broken_at == {"edit": 2, "remove_middle": 3, "remove_last": 4, "relink": 3}[tamper]


async def test_the_application_role_cannot_rewrite_entries(container: Container, backend: str) -> None:
    await _fill(container, 1)
    if backend != "postgres":
        return  # SQLite has no roles; the chain verification is the guard there
    from sqlalchemy.exc import DBAPIError

    async with container.uow(DEFAULT_TENANT_ID) as uow:
        with pytest.raises(DBAPIError):
            await uow.session.execute(update(AuditEntry).values(purpose="x"))


def test_cli_verify(settings: Settings, tmp_path: Path) -> None:
    async def fill(tamper: bool) -> None:
        c = build_container(settings, run_relay=False, run_consumers=False)
        try:
            if tamper:
                async with c.db.system_session() as s:
                    await s.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(action="nothing"))
                    await s.commit()
            else:
                await _fill(c, 3)
        finally:
            await c.stop()

    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOVAREJO_")}
    env.update(ECOVAREJO_DATABASE_URL=settings.database_url, ECOVAREJO_DATA_DIR=str(tmp_path / "var"))
    cmd = [sys.executable, "-m", "ecovarejo.cli", "privacy", "audit", "verify"]
    asyncio.run(fill(False))
    ok = subprocess.run([*cmd, "--tenant", "default"], env=env, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stdout and "3 entries" in ok.stdout
    asyncio.run(fill(True))
    broken = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert broken.returncode == 1 and "BROKEN at entry 1" in broken.stdout
