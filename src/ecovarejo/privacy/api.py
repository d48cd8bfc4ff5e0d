"""The privacy REST API: the DPO's audit log and ROPA (permission ``handle_privacy``)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from ecovarejo.core.auth import Principal, current_principal, require_permission
from ecovarejo.core.container import Container
from ecovarejo.core.http import get_container, get_read_uow, get_tenant, get_uow
from ecovarejo.core.uow import UnitOfWork

from . import audit, export, incidents, requests, retention, ropa
from .ports import DataSubjects, subjects_of
from .public import registry
from .requests import RequestView
from .schemas import (
    AnswerIn,
    AuditEntryOut,
    ChainOut,
    ExportLinkOut,
    IdentityIn,
    IncidentIn,
    IncidentOut,
    IncidentPatch,
    PasswordIn,
    QueueItemOut,
    RequestIn,
    RequestOut,
    RetentionIn,
    RetentionOut,
    RopaOut,
    SummaryOut,
    TableSummaryOut,
)

router = APIRouter(prefix="/api/v1", tags=["privacy"])
DPO = Annotated[Principal, Depends(require_permission("handle_privacy"))]
User = Annotated[Principal, Depends(current_principal)]


def _subjects(container: Annotated[Container, Depends(get_container)]) -> DataSubjects:
    return subjects_of(container)


Subjects = Annotated[DataSubjects, Depends(_subjects)]


def _out(v: RequestView) -> RequestOut:
    return RequestOut(**{k: getattr(v, k) for k in RequestOut.model_fields})


def _queue_item(v: RequestView) -> QueueItemOut:
    return QueueItemOut(**{k: getattr(v, k) for k in QueueItemOut.model_fields})


# -- the person ------------------------------------------------------------------------------------------


@router.get("/privacy/sharing", response_model=dict[str, str])
async def sharing(container: Annotated[Container, Depends(get_container)]) -> dict[str, str]:
    """Who we share personal data with, what and why (LGPD art. 18 VII)."""
    return registry(container).shared_with()


@router.get("/privacy/me", response_model=SummaryOut)
async def my_summary(
    user: User, container: Annotated[Container, Depends(get_container)], uow: UnitOfWork = Depends(get_uow)
) -> SummaryOut:
    reg = registry(container)
    tables = await export.summary(uow, reg, user.user_id)
    mine = await requests.mine(uow, user.user_id)
    await audit.record(uow, "access.summary", actor=f"user:{user.user_id}", subject_id=user.user_id)
    await uow.commit()
    return SummaryOut(
        subject_id=user.user_id,
        tables=[TableSummaryOut(**{**t.__dict__, "categories": list(t.categories), "legal_bases": list(t.legal_bases),
                                   "retention": list(t.retention)}) for t in tables],
        shared_with=reg.shared_with(),
        requests=[_out(r) for r in mine],
    )  # fmt: skip


@router.post("/privacy/requests", response_model=RequestOut, status_code=201)
async def file_request(
    body: RequestIn, user: User, subjects: Subjects, uow: UnitOfWork = Depends(get_uow)
) -> RequestOut:
    """File a request about yourself: the subject is always the signed-in person."""
    try:
        v = await requests.file(uow, subjects, user.user_id, body.kind, details=body.details, password=body.password)
    except Exception:
        await uow.commit()  # keep the audit of a failed identity check
        raise
    await uow.commit()
    return _out(v)


@router.get("/privacy/requests", response_model=list[RequestOut])
async def my_requests(user: User, uow: UnitOfWork = Depends(get_read_uow)) -> list[RequestOut]:
    return [_out(v) for v in await requests.mine(uow, user.user_id)]


@router.post("/privacy/requests/{request_id}/export-link", response_model=ExportLinkOut, status_code=201)
async def export_link(
    request_id: uuid.UUID, body: PasswordIn, user: User, subjects: Subjects, uow: UnitOfWork = Depends(get_uow)
) -> ExportLinkOut:
    """A single-use link to the archive, valid 15 minutes, after the password is confirmed again."""
    token, expires_at = await requests.issue_export_link(uow, subjects, user.user_id, request_id, body.password)
    await uow.commit()
    return ExportLinkOut(url=f"/api/v1/privacy/exports/{token}", expires_at=expires_at)


@router.get(
    "/privacy/exports/{token}",
    response_class=Response,
    responses={
        200: {
            "description": "The archive (single use): `data.json` and one CSV per table.",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def download_export(
    token: str, user: User, container: Annotated[Container, Depends(get_container)], uow: UnitOfWork = Depends(get_uow)
) -> Response:
    body = await requests.download(uow, registry(container), user.user_id, token)
    await uow.commit()
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="meus-dados.zip"', "Cache-Control": "no-store"},
    )


# -- the DPO ---------------------------------------------------------------------------------------------


@router.get("/privacy/admin/requests", response_model=list[QueueItemOut])
async def dpo_queue(
    dpo: DPO, include_closed: bool = False, uow: UnitOfWork = Depends(get_read_uow)
) -> list[QueueItemOut]:
    """Open requests, the nearest legal deadline (15 days, LGPD art. 19 II) first."""
    return [_queue_item(v) for v in await requests.queue(uow, include_closed=include_closed)]


@router.post("/privacy/admin/requests/{request_id}/verify-identity", response_model=QueueItemOut)
async def dpo_verify_identity(
    request_id: uuid.UUID, body: IdentityIn, dpo: DPO, uow: UnitOfWork = Depends(get_uow)
) -> QueueItemOut:
    v = await requests.verify_identity(uow, request_id, dpo=f"user:{dpo.user_id}", method=body.method)
    await uow.commit()
    return _queue_item(v)


@router.post("/privacy/admin/requests/{request_id}/answer", response_model=QueueItemOut)
async def dpo_answer(
    request_id: uuid.UUID,
    body: AnswerIn,
    dpo: DPO,
    subjects: Subjects,
    container: Annotated[Container, Depends(get_container)],
    uow: UnitOfWork = Depends(get_uow),
) -> QueueItemOut:
    """Close the request with the answer sent; answering an erasure request carries the erasure out."""
    reg = registry(container)
    v = await requests.answer(
        uow, subjects, reg, request_id, dpo=f"user:{dpo.user_id}", text=body.answer, reject=body.reject
    )
    await uow.commit()
    return _queue_item(v)


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


# -- the incident register (LGPD art. 48) ----------------------------------------------------------------


def _incident(v: incidents.IncidentView) -> IncidentOut:
    return IncidentOut(**{k: getattr(v, k) for k in IncidentOut.model_fields})


@router.get("/privacy/admin/incidents", response_model=list[IncidentOut])
async def incident_register(dpo: DPO, uow: UnitOfWork = Depends(get_read_uow)) -> list[IncidentOut]:
    return [_incident(v) for v in await incidents.register(uow)]


@router.post("/privacy/admin/incidents", response_model=IncidentOut, status_code=201)
async def record_incident(body: IncidentIn, dpo: DPO, uow: UnitOfWork = Depends(get_uow)) -> IncidentOut:
    v = await incidents.record(uow, dpo=f"user:{dpo.user_id}", values=body.model_dump())
    await uow.commit()
    return _incident(v)


@router.patch("/privacy/admin/incidents/{incident_id}", response_model=IncidentOut)
async def update_incident(
    incident_id: uuid.UUID, body: IncidentPatch, dpo: DPO, uow: UnitOfWork = Depends(get_uow)
) -> IncidentOut:
    """Record the notifications sent (ANPD, the people), the measures taken, or close the incident."""
    v = await incidents.update(uow, incident_id, dpo=f"user:{dpo.user_id}", values=body.model_dump(exclude_unset=True))
    await uow.commit()
    return _incident(v)


# -- retention periods (the tenant's, read by the retention job) -------------------------------------------


@router.get("/privacy/admin/retention", response_model=RetentionOut)
async def retention_periods(dpo: DPO, request: Request) -> RetentionOut:
    p = await retention.tenant_periods(get_container(request), get_tenant(request).id)
    return RetentionOut(**asdict(p))


@router.put("/privacy/admin/retention", response_model=RetentionOut)
async def set_retention_periods(
    body: RetentionIn, dpo: DPO, request: Request, uow: UnitOfWork = Depends(get_uow)
) -> RetentionOut:
    """Outbox, dead letters and IP addresses in days; inactive accounts in years, then the grace in days."""
    p = retention.Periods(**body.model_dump())
    await retention.set_tenant_periods(get_container(request), uow, p, actor=f"user:{dpo.user_id}")
    await uow.commit()
    return RetentionOut(**asdict(p))
