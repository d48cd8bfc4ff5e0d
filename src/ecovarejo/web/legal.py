"""Public pages of the privacy context: the privacy policy and the terms of use (pt-BR and English, the
tenant's own text when it wrote one, with its version), and the DPO's contact."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovarejo.privacy import public as privacy

from .pages import PageRoute
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _lang(request: Request) -> str:
    from . import i18n

    return getattr(request.state, "lang", None) or i18n.negotiate(request)


async def _settings(request: Request) -> dict[str, Any]:
    async with request.app.state.container.uow(request.state.tenant.id, read_only=True) as uow:
        return await privacy.tenant_policy_settings(uow)


@router.get("/privacidade")
async def privacy_policy(request: Request) -> Response:
    settings = await _settings(request)
    tenant = request.state.tenant
    reg = privacy.registry(request.app.state.container)
    return render(
        request,
        "store/legal.html",
        doc=privacy.document(settings, "privacy", _lang(request)),
        processing=privacy.processing(reg),
        shared_with=reg.shared_with(),
        dpo=privacy.dpo_contact(settings, tenant.name, tenant.domain),
    )


@router.get("/termos")
async def terms(request: Request) -> Response:
    settings = await _settings(request)
    tenant = request.state.tenant
    return render(
        request,
        "store/legal.html",
        doc=privacy.document(settings, "terms", _lang(request)),
        processing=[],
        shared_with={},
        dpo=privacy.dpo_contact(settings, tenant.name, tenant.domain),
    )
