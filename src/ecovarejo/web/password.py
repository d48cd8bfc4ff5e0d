""" "Esqueci minha senha": ask for the reset link, and set a new password from it (``/reset-password``,
the link the users context e-mails). Both call the users API (``/api/v1/auth/password/forgot`` and
``/reset``); the answer never says whether an e-mail has an account."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import i18n, problems
from .inproc import ApiError, api
from .pages import PageRoute, form_with_csrf, redirect
from .templating import render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/conta/esqueci-senha")
async def forgot_form(request: Request) -> Response:
    return render(request, "account/forgot.html", sent=request.query_params.get("ok") == "forgot_sent", errors={})


@router.post("/conta/esqueci-senha")
async def forgot(request: Request) -> Response:
    form = await form_with_csrf(request)
    email = str(form.get("email") or "").strip()[:320]
    t = i18n.translator(i18n.negotiate(request))
    if "@" not in email:
        return render(request, "account/forgot.html", status_code=422, sent=False, email=email,
                      errors={"email": t("err_email")})  # fmt: skip
    try:
        await api(request, "POST", "/api/v1/auth/password/forgot", json={"email": email}, anonymous=True)
    except ApiError as exc:
        if exc.status >= 500 or exc.status == 429:
            raise
    return redirect("/conta/esqueci-senha?ok=forgot_sent")


@router.get("/reset-password")
async def reset_form(request: Request) -> Response:
    token = str(request.query_params.get("token") or "")[:200]
    return render(request, "account/reset.html", token=token, errors={})


@router.post("/reset-password")
async def reset(request: Request) -> Response:
    form = await form_with_csrf(request)
    token = str(form.get("token") or "")[:200]
    t = i18n.translator(i18n.negotiate(request))
    try:
        await api(
            request,
            "POST",
            "/api/v1/auth/password/reset",
            json={"token": token, "new_password": str(form.get("new_password") or "")[:1024]},
            anonymous=True,
        )
    except ApiError as exc:
        if exc.status >= 500:
            raise
        field = "new_password" if exc.code == "weak_password" else "_"
        errors = {field: problems.problem_message(t, exc.code)}
        return render(request, "account/reset.html", status_code=exc.status, token=token, errors=errors)
    return redirect("/conta/entrar?ok=password_reset_done")
