"""Logistics HTTP API: CEP lookup, shipping quotes, the tenant's shipping configuration, shipments."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from ecovarejo.core.container import Container
from ecovarejo.core.http import get_container

from . import public

router = APIRouter(prefix="/api/v1", tags=["logistics"])


class AddressOut(BaseModel):
    cep: str
    state: str
    city: str
    district: str
    street: str
    source: str
    complete: bool


@router.get("/shipping/cep/{cep}", response_model=AddressOut)
async def cep_lookup(cep: str, container: Container = Depends(get_container)) -> AddressOut:
    """The address of a CEP (street, district, city, UF); offline, the UF from the CEP ranges only."""
    a = await public.lookup_cep(container, cep)
    return AddressOut(
        cep=public.formatted(a.cep),
        state=a.state,
        city=a.city,
        district=a.district,
        street=a.street,
        source=a.source,
        complete=a.complete,
    )
