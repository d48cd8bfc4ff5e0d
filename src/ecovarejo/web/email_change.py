"""Changing the account's e-mail (issue #15): the request on the security page, the confirmation page the
link to the new address opens, and the "it was not me" page of the notice sent to the old address. Each
page posts a form (a mail scanner opening the link changes nothing); the users API does the work."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import i18n, problems
from .inproc import ApiError, api
from .pages import PageRoute, form_with_csrf, redirect, require_user
from .security import clear_session
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MODES = {
    "confirmar": ("confirm", "/api/v1/auth/email-change/confirm"),
    "nao-fui-eu": ("report", "/api/v1/auth/email-change/report"),
}


@router.post("/conta/email")
async def request_change(request: Request) -> Response:
    form = await form_with_csrf(request)
    await require_user(request)
    t = i18n.translator(i18n.negotiate(request))
    new_email = str(form.get("new_email") or "").strip()[:320]
    body = {"new_email": new_email, "password": str(form.get("password") or "")[:1024]}
    try:
        await api(request, "POST", "/api/v1/users/email-change", json=body)
    except ApiError as exc:
        if exc.status >= 500:
            raise
        profile = await api(request, "GET", "/api/v1/users/profile")
        if exc.code == "invalid_credentials":
            errors = {"password": t("err_email_change_password")}
        elif exc.code in ("same_email", "too_many_email_changes"):
            errors = {"new_email": t(f"err_{exc.code}")}
        else:
            errors = {"new_email": t("err_email")}
        return render(
            request, "account/security.html", status_code=exc.status, profile=profile, enroll=None, codes=None,
            email_form={"new_email": new_email}, email_errors=errors, flashes=[("error", next(iter(errors.values())))],
        )  # fmt: skip
    return redirect("/conta/seguranca?ok=email_change_sent")


def _page(request: Request, slug: str, **ctx: Any) -> Response:
    return render(request, "account/email_change.html", slug=slug, **{"token": "", "error": None, **ctx})


@router.get("/conta/email/confirmar")
async def confirm_page(request: Request) -> Response:
    return _page(request, "confirmar", mode="confirm", token=str(request.query_params.get("token") or "")[:200])


@router.get("/conta/email/nao-fui-eu")
async def report_page(request: Request) -> Response:
    return _page(request, "nao-fui-eu", mode="report", token=str(request.query_params.get("token") or "")[:200])


@router.post("/conta/email/confirmar")
async def confirm(request: Request) -> Response:
    return await _follow(request, "confirmar")


@router.post("/conta/email/nao-fui-eu")
async def report(request: Request) -> Response:
    return await _follow(request, "nao-fui-eu")


async def _follow(request: Request, slug: str) -> Response:
    form = await form_with_csrf(request)
    kind, path = MODES[slug]
    token = str(form.get("token") or "")[:200]
    t = i18n.translator(i18n.negotiate(request))
    try:
        await api(request, "POST", path, json={"token": token}, anonymous=True)
    except ApiError as exc:
        if exc.status >= 500:
            raise
        message = t("email_change_taken") if exc.code == "email_taken" else problems.problem_message(t, exc.code)
        return _page(request, slug, status_code=exc.status, mode=kind, token=token, error=message)
    response = _page(request, slug, mode="reported") if kind == "report" else redirect("/conta/entrar?ok=email_changed")
    clear_session(request, response)  # every session of the account ended
    return response
