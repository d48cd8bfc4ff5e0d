"""Jinja2 environment and the ``render`` helper every page uses (language, CSRF, money, dates)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.types import Receive, Scope, Send

from ecovarejo.core.money import format_brl, to_decimal

from . import i18n
from .messages import PT_BR
from .security import CSRF_FIELD, csrf_token

HERE = Path(__file__).parent
DISPLAY_TZ = ZoneInfo("America/Sao_Paulo")
STATIC_VERSION = "1"

env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def brl(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dict):  # {"amount": "89.90", "currency": "BRL"}
        value = value.get("amount")
    return format_brl(to_decimal(value))


def local_dt(value: Any, fmt: str = "%d/%m/%Y %H:%M", lang: str = "pt-BR") -> str:
    """A UTC instant shown in America/Sao_Paulo (the shop's display zone)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if len(value) == 10:  # a calendar date (an expiry): no time, no zone to convert
            value = date.fromisoformat(value)
        else:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            from datetime import UTC

            value = value.replace(tzinfo=UTC)
        if lang == "en" and fmt == "%d/%m/%Y %H:%M":
            fmt = "%Y-%m-%d %H:%M"
        return str(value.astimezone(DISPLAY_TZ).strftime(fmt))
    return str(value.strftime("%d/%m/%Y" if lang != "en" else "%Y-%m-%d"))


def local_date(value: Any, lang: str = "pt-BR") -> str:
    return local_dt(value, "%d/%m/%Y" if lang != "en" else "%Y-%m-%d", lang)


def decimal_br(value: Any, places: int = 2, lang: str = "pt-BR") -> str:
    if value is None or value == "":
        return ""
    d = to_decimal(value).quantize(Decimal(1).scaleb(-places))
    text = f"{d:,.{places}f}"
    if lang == "en":
        return text
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def cep(value: Any) -> str:
    """``01310100`` or ``01310-100`` shown as ``01310-100``."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return f"{digits[:5]}-{digits[5:]}" if len(digits) == 8 else str(value or "")


env.filters.update(brl=brl, dt=local_dt, decimal=decimal_br, cep=cep)
env.globals.update(CSRF_FIELD=CSRF_FIELD, STATIC_VERSION=STATIC_VERSION)


def lang_url(request: Request, lang: str) -> str:
    """This page in another language (other query parameters kept; flash messages dropped)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "ok", "err")]
    return f"{request.url.path}?{urlencode([*params, ('lang', lang)])}"


def _dpo(request: Request) -> Any:
    """The DPO's contact for the footer (LGPD art. 41): the tenant's default address; the policy page shows
    the contact the tenant configured."""
    from ecovarejo.privacy import public as privacy

    tenant = getattr(request.state, "tenant", None)
    if tenant is None:
        return privacy.dpo_contact(None, "EcoVarejo", None)
    return privacy.dpo_contact(None, tenant.name, tenant.domain)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = getattr(request.state, "lang", None) or i18n.negotiate(request)
    t = i18n.translator(lang)
    ctx = {
        "request": request,
        "lang": lang,
        "t": t,
        "csrf_token": csrf_token(request),
        "principal": getattr(request.state, "web_principal", None),
        "path": request.url.path,
        "lang_url": lambda code: lang_url(request, code),
        "st": lambda value: i18n.status_label(lang, value),
        # a value's label in the catalog (``prefix + value``), the value itself when the catalog has none
        "label_of": lambda prefix, value: t(f"{prefix}{value}") if f"{prefix}{value}" in PT_BR else value,
        "date": lambda v: local_date(v, lang),
        "datetime": lambda v: local_dt(v, lang=lang),
        "num": lambda v, places=2: decimal_br(v, places, lang),
        "dpo": _dpo(request),
        "company": getattr(request.state, "company", None),
        "category_menu": getattr(request.state, "category_menu", None) or [],
        # the cookie banner: on storefront pages, until the visitor has chosen (``ev_consent``)
        "show_consent_banner": request.method == "GET"
        and not request.cookies.get("ev_consent")
        and not request.url.path.startswith(("/admin", "/privacidade/cookies")),
        **context,
    }
    if request.query_params.get("ok") == "consent_saved" and not ctx.get("flashes"):
        ctx["flashes"] = [("ok", t("consent_saved"))]  # the banner's plain post came back to any page
    html = env.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["content-language"] = lang
    response.headers["vary"] = "Accept-Language, Cookie"
    if request.query_params.get("lang") and i18n.negotiate(request) != request.cookies.get(i18n.LANG_COOKIE):
        response.set_cookie(i18n.LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


async def not_found_page(scope: Scope, receive: Receive, send: Send) -> None:
    """The HTML 404 page for a path no route serves (the page security middleware sends it)."""
    request = Request(scope, receive)
    t = i18n.translator(i18n.negotiate(request))
    response = render(request, "errors/error.html", status_code=404, title=t("not_found"), detail=t("not_found_text"))
    await response(scope, receive, send)
