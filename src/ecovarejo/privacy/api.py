"""The privacy REST API: the DPO's audit log and ROPA (permission ``handle_privacy``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse

from ecovarejo.core.auth import Principal, require_permission
from ecovarejo.core.container import Container
from ecovarejo.core.http import get_container, get_read_uow, get_tenant
from ecovarejo.core.uow import UnitOfWork

from . import audit, ropa
from .public import registry
from .schemas import AuditEntryOut, ChainOut, RopaOut

router = APIRouter(prefix="/api/v1", tags=["privacy"])
DPO = Annotated[Principal, Depends(require_permission("handle_privacy"))]


@router.get("/privacy/audit", response_model=list[AuditEntryOut])
async def audit_log(
    dpo: DPO,
    subject_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    uow: UnitOfWork = Depends(get_read_uow),
) -> list[AuditEntryOut]:
    return [AuditEntryOut(**r.__dict__) for r in await audit.recent(uow, subject_id=subject_id, limit=limit)]


@router.get("/privacy/audit/verify", response_model=ChainOut)
async def audit_verify(dpo: DPO, uow: UnitOfWork = Depends(get_read_uow)) -> ChainOut:
    r = await audit.verify(uow)
    return ChainOut(ok=r.ok, entries=r.entries, broken_at=r.broken_at, reason=r.reason)


@router.get("/privacy/ropa", response_model=RopaOut)
async def ropa_json(dpo: DPO, request: Request, container: Annotated[Container, Depends(get_container)]) -> RopaOut:
    return ropa.build(registry(container), get_tenant(request).name)


@router.get("/privacy/ropa.csv", response_class=PlainTextResponse)
async def ropa_csv(
    dpo: DPO, request: Request, container: Annotated[Container, Depends(get_container)]
) -> PlainTextResponse:
    body = ropa.to_csv(ropa.build(registry(container), get_tenant(request).name))
    return PlainTextResponse(
        body, media_type="text/csv", headers={"Content-Disposition": 'attachment; filename="ropa.csv"'}
    )
