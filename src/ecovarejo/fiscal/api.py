"""Fiscal HTTP API (staff): the tenant's tax settings, a tax preview and products' fiscal data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from ecovarejo.core.auth import Principal, require_permission
from ecovarejo.core.container import Container
from ecovarejo.core.errors import NotFound
from ecovarejo.core.http import get_container, get_read_uow, get_uow
from ecovarejo.core.uow import UnitOfWork

from . import service
from .rules import icms, pis_cofins
from .schemas import (
    ProductFiscalIn,
    ProductFiscalList,
    ProductFiscalOut,
    TaxPreviewIn,
    TaxPreviewOut,
    TaxSettingsIn,
    TaxSettingsOut,
)
from .service import RulesCache

admin = APIRouter(prefix="/api/v1/admin/fiscal", tags=["fiscal"])
staff = require_permission("manage_orders")
catalog_staff = require_permission("manage_products")


def _settings_out(document: dict[str, Any], version: int) -> TaxSettingsOut:
    return TaxSettingsOut(
        version=version,
        origin_state=document.get("origin_state"),
        regime=document.get("regime", "regular"),
        simples_icms_rate=str(document.get("simples_icms_rate", "0")),
        tax_inclusive=bool(document.get("tax_inclusive", True)),
        pis_cofins=str(document.get("pis_cofins") or "cumulative"),
        internal_rates=dict(document.get("internal_rates") or {}),
        defaults=service.defaults(),
        issuer_cnpj=document.get("issuer_cnpj"),
    )


@admin.get("/settings", response_model=TaxSettingsOut)
async def get_settings(_: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)) -> TaxSettingsOut:
    """The tenant's tax settings (version 0: never set, the default table applies)."""
    return _settings_out(*await service.settings_document(uow))


@admin.put("/settings", response_model=TaxSettingsOut)
async def put_settings(
    body: TaxSettingsIn,
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_uow),
    container: Container = Depends(get_container),
) -> TaxSettingsOut:
    """Replace the tenant's tax settings (validated as a whole; nothing is saved when any part is wrong)."""
    cache = container.ports.get(RulesCache)
    document, version = await service.save_settings(uow, body, cache)
    await uow.commit()
    cache.forget(uow.tenant_id)
    return _settings_out(document, version)


@admin.post("/preview", response_model=TaxPreviewOut)
async def preview(
    body: TaxPreviewIn, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, object]:
    """The ICMS/DIFAL the current settings give a sale of ``base`` to a state (what checkout will compute)
    and its PIS/COFINS (what the NF-e carries)."""
    rules = await service.tax_rules(uow)
    destination = service.check_state(body.destination_state)
    tax = icms(rules, base=body.base, destination=destination, taxpayer=body.taxpayer,
               imported_share=body.imported_share)  # fmt: skip
    return {**tax.as_dict(), "pis_cofins": pis_cofins(rules, base=body.base, icms_amount=tax.icms_amount).as_dict()}


@admin.get("/products", response_model=ProductFiscalList)
async def list_products(
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=64),
    _: Principal = Depends(catalog_staff),
    uow: UnitOfWork = Depends(get_read_uow),
) -> ProductFiscalList:
    rows = await service.list_products(uow, limit + 1, cursor)
    items = [ProductFiscalOut(**vars(r)) for r in rows[:limit]]
    return ProductFiscalList(items=items, next_cursor=rows[limit - 1].sku if len(rows) > limit else None)


@admin.get("/products/{sku}", response_model=ProductFiscalOut)
async def get_product(
    sku: str, _: Principal = Depends(catalog_staff), uow: UnitOfWork = Depends(get_read_uow)
) -> ProductFiscalOut:
    found = (await service.products_fiscal(uow, [sku[:64]])).get(sku[:64])
    if found is None:
        raise NotFound(f"no fiscal data for {sku}", code="fiscal_data_not_found")
    return ProductFiscalOut(**vars(found))


@admin.put("/products/{sku}", response_model=ProductFiscalOut)
async def put_product(
    sku: str, body: ProductFiscalIn, _: Principal = Depends(catalog_staff), uow: UnitOfWork = Depends(get_uow)
) -> ProductFiscalOut:
    """A SKU's NCM, CFOP, goods' origin (0–8) and CEST."""
    view = await service.put_product(uow, sku[:64], body)
    await uow.commit()
    return ProductFiscalOut(**vars(view))


@admin.delete("/products/{sku}", status_code=204)
async def delete_product(
    sku: str, _: Principal = Depends(catalog_staff), uow: UnitOfWork = Depends(get_uow)
) -> Response:
    if not await service.delete_product(uow, sku[:64]):
        raise NotFound(f"no fiscal data for {sku}", code="fiscal_data_not_found")
    await uow.commit()
    return Response(status_code=204)
