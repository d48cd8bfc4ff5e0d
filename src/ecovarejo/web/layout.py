"""What every storefront page's frame shows besides the page: the category menu of the header, and the
shop's company identification in the footer (Decreto 7.962/2013, art. 2: legal name, CNPJ, address,
contact) with its exchange and returns policy.

The company is kept in the tenant's settings (``tenants.settings["company"]``) and edited by
administrators (:mod:`.admin_company`); both are read through a short per-tenant cache (they are on every
page) that a save drops. :func:`preload` puts them on ``request.state`` before a page runs.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import select

from ecovarejo.core.container import Container
from ecovarejo.core.errors import DomainError
from ecovarejo.core.models import Tenant
from ecovarejo.products import public as products

SETTING = "company"
FIELDS = ("legal_name", "cnpj", "address", "email", "phone", "hours", "returns_policy")
LIMITS = {"legal_name": 200, "cnpj": 18, "address": 300, "email": 200, "phone": 30, "hours": 120}
LIMITS |= {"returns_policy": 4000}
TTL_SECONDS = 30.0


@dataclass(frozen=True)
class Company:
    legal_name: str = ""
    cnpj: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    hours: str = ""
    #: the shop's own text; empty: the page shows the legal minimum (CDC art. 49, 7 days)
    returns_policy: str = ""

    @property
    def cnpj_formatted(self) -> str:
        c = re.sub(r"[^0-9A-Za-z]", "", self.cnpj).upper()
        if len(c) != 14:
            return self.cnpj
        return f"{c[:2]}.{c[2:5]}.{c[5:8]}/{c[8:12]}-{c[12:]}"

    @property
    def configured(self) -> bool:
        return bool(self.legal_name and self.cnpj)


def _of(settings: dict[str, Any] | None) -> Company:
    raw = (settings or {}).get(SETTING) or {}
    if not isinstance(raw, dict):
        return Company()
    return Company(**{k: str(raw.get(k) or "")[: LIMITS[k]] for k in FIELDS})


def _cache(container: Container) -> dict[uuid.UUID, tuple[float, Company]]:
    cache: dict[uuid.UUID, tuple[float, Company]] | None = getattr(container, "_web_company_cache", None)
    if cache is None:
        cache = {}
        container._web_company_cache = cache  # type: ignore[attr-defined]
    return cache


def _menu_cache(container: Container) -> dict[uuid.UUID, tuple[float, list[dict[str, Any]]]]:
    cache: dict[uuid.UUID, tuple[float, list[dict[str, Any]]]] | None = getattr(container, "_web_menu_cache", None)
    if cache is None:
        cache = {}
        container._web_menu_cache = cache  # type: ignore[attr-defined]
    return cache


async def category_menu(container: Container, tenant_id: uuid.UUID) -> list[dict[str, Any]]:
    """The top categories with their children (``name``, ``slug``), for the header."""
    cache = _menu_cache(container)
    hit = cache.get(tenant_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    async with container.uow(tenant_id, read_only=True) as uow:
        tree = await products.list_categories(uow)
    menu = [
        {
            "name": c["name"],
            "slug": c["slug"],
            "children": [{"name": k["name"], "slug": k["slug"]} for k in c.get("children") or []][:12],
        }
        for c in tree[:12]
    ]
    cache[tenant_id] = (time.monotonic() + TTL_SECONDS, menu)
    return menu


async def preload(request: Request) -> None:
    """The frame's data for a page: the company everywhere, the category menu on storefront pages."""
    tenant = getattr(request.state, "tenant", None)
    if tenant is None:
        return
    container = request.app.state.container
    try:
        request.state.company = await load(container, tenant.id)
        if not request.url.path.startswith("/admin"):
            request.state.category_menu = await category_menu(container, tenant.id)
    except DomainError:  # the frame never breaks a page
        return


async def load(container: Container, tenant_id: uuid.UUID) -> Company:
    cache = _cache(container)
    hit = cache.get(tenant_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    async with container.db.system_session() as s:
        settings = await s.scalar(select(Tenant.settings).where(Tenant.id == tenant_id))
    company = _of(settings)
    cache[tenant_id] = (time.monotonic() + TTL_SECONDS, company)
    return company


async def company_of(request: Request) -> Company:
    """The company of the request's tenant (cached for :data:`TTL_SECONDS`)."""
    tenant = getattr(request.state, "tenant", None)
    if tenant is None:
        return Company()
    return await load(request.app.state.container, tenant.id)


async def save(container: Container, tenant_id: uuid.UUID, company: Company) -> None:
    async with container.db.system_session() as s:
        tenant = await s.get(Tenant, tenant_id, with_for_update=True)
        if tenant is None:
            return
        tenant.settings = {**(tenant.settings or {}), SETTING: asdict(company)}
        await s.commit()
    _cache(container).pop(tenant_id, None)


def forget_menu(container: Container, tenant_id: uuid.UUID) -> None:
    """Drop the cached category menu (a category was added or changed here)."""
    _menu_cache(container).pop(tenant_id, None)


#: The demo shop's identification (a fictitious company; the CNPJ has valid check digits).
DEMO = Company(
    legal_name="EcoVarejo Comércio de Produtos Sustentáveis Ltda.",
    cnpj="12345678000195",
    address="Rua das Palmeiras, 100 — Pinheiros, São Paulo/SP — CEP 05422-000",
    email="atendimento@ecovarejo.example",
    phone="(11) 4000-0000",
    hours="seg. a sex., 9h às 18h",
)


async def seed_demo(container: Container, uow: Any, ctx: dict[str, Any]) -> None:
    """Demo tenants get :data:`DEMO` unless they already have their own."""
    tenant_id = getattr(uow, "tenant_id", None)
    if tenant_id is None or (await load(container, tenant_id)).configured:
        return
    await save(container, tenant_id, DEMO)
