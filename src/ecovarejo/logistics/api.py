"""Logistics HTTP API: CEP lookup, shipping quotes, the tenant's shipping configuration, shipments."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Body, Depends, Query

from ecovarejo.core.auth import Principal, require_permission
from ecovarejo.core.container import Container
from ecovarejo.core.http import get_container, get_read_uow, get_tenant, get_uow
from ecovarejo.core.tenancy import TenantInfo
from ecovarejo.core.uow import UnitOfWork

from . import cep as ceps
from . import repository as repo
from . import service
from .packaging import CUBIC_DIVISOR
from .quotes import ShippingQuote
from .schemas import AddressOut, ConfigOut, OptionOut, PackageIn, PackageList, PackageOut, QuoteIn, QuoteOut

router = APIRouter(prefix="/api/v1", tags=["logistics"])
admin = APIRouter(prefix="/api/v1/admin/shipping", tags=["logistics"])
staff = require_permission("manage_orders")


@router.get("/shipping/cep/{cep}", response_model=AddressOut)
async def cep_lookup(cep: str, container: Container = Depends(get_container)) -> AddressOut:
    """The address of a CEP (street, district, city, UF); offline, the UF from the CEP ranges only."""
    a = await service.ports_of(container).addresses.lookup(cep)
    return AddressOut(
        cep=ceps.formatted(a.cep),
        state=a.state,
        city=a.city,
        district=a.district,
        street=a.street,
        source=a.source,
        complete=a.complete,
    )


def quote_out(q: ShippingQuote) -> QuoteOut:
    return QuoteOut(
        destination={"cep": ceps.formatted(q.destination_cep), "state": q.destination_state},
        origin_cep=ceps.formatted(q.origin_cep),
        package=q.parcel.as_dict(),
        options=[OptionOut(**o.as_dict()) for o in q.options],
        degraded=list(q.degraded),
    )


@router.post("/shipping/quotes", response_model=QuoteOut)
async def quotes(
    body: QuoteIn, container: Container = Depends(get_container), tenant: TenantInfo = Depends(get_tenant)
) -> QuoteOut:
    """Shipping options for a CEP and items: carrier, service, price, delivery days and kg CO2e each."""
    lines: dict[str, int] = {}
    for item in body.items:
        lines[item.sku] = lines.get(item.sku, 0) + item.quantity
    return quote_out(await service.quote(container, tenant.id, body.cep, lines))


# -- admin: configuration and package sizes -------------------------------------------------------------


@admin.get("/config", response_model=ConfigOut)
async def get_config(
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_read_uow),
    container: Container = Depends(get_container),
) -> ConfigOut:
    doc, version = await service.load_document(uow, service.ports_of(container))
    return ConfigOut(version=version, document=doc.model_dump(mode="json"))


@admin.put("/config", response_model=ConfigOut)
async def put_config(
    document: dict[str, Any] = Body(...),
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_uow),
) -> ConfigOut:
    """Replace the tenant's shipping configuration (validated as a whole; nothing saved when invalid)."""
    doc = service.parse_document(document)
    version = await service.save_document(uow, doc)
    await uow.commit()
    return ConfigOut(version=version, document=doc.model_dump(mode="json"))


def _package_out(sku: str, p: PackageIn | Any) -> PackageOut:
    cubic = math.ceil(p.length_cm * p.width_cm * p.height_cm * 1000 / CUBIC_DIVISOR)
    return PackageOut(
        sku=sku,
        weight_g=p.weight_g,
        length_cm=p.length_cm,
        width_cm=p.width_cm,
        height_cm=p.height_cm,
        cubic_weight_g=cubic,
    )


@admin.put("/packages/{sku}", response_model=PackageOut)
async def put_package(
    sku: str, body: PackageIn, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_uow)
) -> PackageOut:
    """Packed weight and size of one unit of ``sku`` (carriers bill the greater of real and cubic weight)."""
    await service.put_package(uow, sku[:64], body.weight_g, body.length_cm, body.width_cm, body.height_cm)
    await uow.commit()
    return _package_out(sku[:64], body)


@admin.get("/packages", response_model=PackageList)
async def list_packages(
    limit: int = Query(100, ge=1, le=500),
    cursor: str | None = Query(None, max_length=64),
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_read_uow),
) -> PackageList:
    rows = await repo.list_packages(uow, limit, cursor)
    return PackageList(
        items=[_package_out(r.sku, r) for r in rows], next_cursor=rows[-1].sku if len(rows) == limit else None
    )
