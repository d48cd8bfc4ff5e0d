"""``ecovarejo tenants create|list|disable|enable`` as an operator runs them (the real command line on a
migrated database): a tenant with its first admin invited by e-mail, no demo data, a domain of its own."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ecovarejo.cli import app
from ecovarejo.core.models import OutboxEvent, Tenant
from ecovarejo.core.settings import Settings, get_settings
from ecovarejo.core.tenancy import TenantResolver


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def _cli(env: dict[str, str], *args: str) -> Result:
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, list(args), env=env)
    finally:
        get_settings.cache_clear()
    # Rich wraps at the console's width, fixed when the CLI module was first imported: compare words.
    return Result(r.exit_code, " ".join(r.stdout.split()), " ".join(r.stderr.split()))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_create_list_disable_a_tenant(db_url: str, tmp_path: Path) -> None:
    env = {"ECOVAREJO_DATABASE_URL": db_url, "ECOVAREJO_DATA_DIR": str(tmp_path / "var"), "COLUMNS": "200"}
    made = _cli(
        env, "tenants", "create", "verde-vivo", "--name", "Verde Vivo", "--domain", "loja.verdevivo.com.br",
        "--admin-email", "Dona@VerdeVivo.com.br",
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    assert "invitation to Dona@VerdeVivo.com.br queued" in made.stderr

    again = _cli(env, "tenants", "create", "outra", "--name", "Outra", "--domain", "loja.verdevivo.com.br",
                 "--admin-email", "x@outra.com.br")  # fmt: skip
    assert again.returncode != 0 and "already has this domain" in again.stderr
    bad = _cli(env, "tenants", "create", "Nome Ruim", "--name", "X", "--admin-email", "x@y.com")
    assert bad.returncode != 0

    listed = _cli(env, "tenants", "list")
    assert listed.returncode == 0
    row = next(line for line in listed.stdout.splitlines() if "verde-vivo" in line)
    assert "loja.verdevivo.com.br" in row and "yes" in row
    assert "outra" not in listed.stdout  # the refused tenant left nothing behind

    settings = Settings(database_url=db_url, data_dir=tmp_path / "var")

    async def inspect() -> tuple[Tenant, list[OutboxEvent], int, int]:
        from ecovarejo.bootstrap import build_container
        from ecovarejo.products.models import Product
        from ecovarejo.users.models import User

        c = build_container(settings, contexts=[])
        try:
            async with c.db.system_session() as s:
                tenant = await s.scalar(select(Tenant).where(Tenant.slug == "verde-vivo"))
                assert tenant is not None
                events = list((await s.scalars(select(OutboxEvent).where(OutboxEvent.tenant_id == tenant.id))).all())
                admins = await s.scalar(
                    select(func.count())
                    .select_from(User)
                    .where(
                        User.tenant_id == tenant.id, User.user_type == "admin", User.email == "dona@verdevivo.com.br"
                    )
                )
                products = await s.scalar(
                    select(func.count()).select_from(Product).where(Product.tenant_id == tenant.id)
                )
            return tenant, events, int(admins or 0), int(products or 0)
        finally:
            await c.db.dispose()

    _tenant, events, admins, products = asyncio.run(inspect())
    assert admins == 1
    assert products == 0  # no demo data
    [invite] = [e for e in events if e.type == "user.password_reset_requested"]
    assert invite.envelope["data"]["user_id"]  # the owner, by id: the mail resolves the address (issue #15)
    assert "/reset-password?token=" in invite.envelope["data"]["reset_url"]

    async def resolves(host: str) -> bool:
        from ecovarejo.bootstrap import build_container

        c = build_container(settings, contexts=[])
        try:
            info = await TenantResolver(c.db).resolve(header=None, host=host)
            return info.slug == "verde-vivo"
        finally:
            await c.db.dispose()

    assert asyncio.run(resolves("loja.verdevivo.com.br"))
    off = _cli(env, "tenants", "disable", "verde-vivo")
    assert off.returncode == 0, off.stderr
    assert "no" in next(line for line in _cli(env, "tenants").stdout.splitlines() if "verde-vivo" in line)
    assert not asyncio.run(resolves("loja.verdevivo.com.br"))
    assert _cli(env, "tenants", "enable", "verde-vivo").returncode == 0
    assert asyncio.run(resolves("loja.verdevivo.com.br"))
    assert _cli(env, "tenants", "disable", "nao-existe").returncode != 0
