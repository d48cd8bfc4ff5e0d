"""Message templates (Jinja2, pt-BR and English): a subject, a plain-text body, an HTML body and a short
text (SMS, WhatsApp, push) per message.

Each message ``name`` has ``<locale>/<name>.txt`` (blocks ``subject``, ``short`` and ``content``, laid
into ``_layout.txt``) and ``<locale>/<name>.html`` (laid into ``_layout.html``, autoescaped).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape

from ecovarejo.core.money import ROUNDING, format_brl, to_decimal

LOCALES = ("pt-BR", "en")
DEFAULT_LOCALE = "pt-BR"
DISPLAY_TZ = ZoneInfo("America/Sao_Paulo")

#: Every message this context can send, with its category. Marketing needs recorded consent.
TEMPLATES: dict[str, str] = {
    "email_verification": "transactional",
    "password_reset": "transactional",
    "email_change": "transactional",
    "inactive_account": "transactional",
    "security_alert": "transactional",
    "order_confirmation": "transactional",
    "payment_confirmed": "transactional",
    "payment_pending": "transactional",
    "invoice_overdue": "transactional",
    "approval_requested": "transactional",
    "order_shipped": "transactional",
    "order_delivered": "transactional",
    "ready_for_pickup": "transactional",
    "order_refunded": "transactional",
    "order_cancelled": "transactional",
    "quote_sent": "transactional",
    "back_in_stock": "transactional",
    "certification_expiring": "transactional",
    "promotion": "marketing",
    "test_message": "transactional",
}


def normalize_locale(locale: str | None) -> str:
    """``pt``, ``pt_BR``, ``pt-br`` → ``pt-BR``; ``en-US`` → ``en``; anything else → the default."""
    tag = (locale or "").replace("_", "-").lower()
    if tag.startswith("en"):
        return "en"
    return DEFAULT_LOCALE


def _brl(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return format_brl(to_decimal(value))
    except (TypeError, ValueError):
        return str(value)


def _number(value: Any, places: int = 2, locale: str = DEFAULT_LOCALE) -> str:
    if value is None or value == "":
        return ""
    try:
        q = to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUNDING)
    except (TypeError, ValueError):
        return str(value)
    text = f"{q:,.{places}f}"
    if locale == "pt-BR":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def _parse_dt(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _datetime(value: Any, locale: str = DEFAULT_LOCALE) -> str:
    try:
        dt = _parse_dt(value)
    except ValueError:
        return str(value)  # shown as given rather than losing the message
    if dt is None:
        return ""
    local = dt.astimezone(DISPLAY_TZ) if dt.tzinfo else dt
    if locale == "pt-BR":
        return local.strftime("%d/%m/%Y %H:%M") + " (horário de Brasília)"
    return local.strftime("%Y-%m-%d %H:%M") + " (Brasília time)"


def _date(value: Any, locale: str = DEFAULT_LOCALE) -> str:
    if value is None or value == "":
        return ""
    text = str(value)[:10]
    parts = text.split("-")
    if len(parts) != 3:
        return str(value)
    y, m, d = parts
    return f"{d}/{m}/{y}" if locale == "pt-BR" else text


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    short: str


class Renderer:
    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("ecovarejo.notifications", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["brl"] = _brl
        self.env.filters["number"] = _number
        self.env.filters["datetime"] = _datetime
        self.env.filters["date"] = _date

    def _block(self, tpl: Template, name: str, ctx: dict[str, Any]) -> str:
        fn = tpl.blocks.get(name)
        if fn is None:
            return ""
        return "".join(fn(tpl.new_context(ctx)))

    def render(self, name: str, locale: str | None, context: dict[str, Any]) -> Rendered:
        if name not in TEMPLATES:
            raise KeyError(f"unknown template {name!r}")
        loc = normalize_locale(locale)
        ctx: dict[str, Any] = {
            "locale": loc,
            "first_name": None,
            "unsubscribe_url": None,
            "tenant_name": "EcoVarejo",
            "base_url": "",
            **context,
        }
        txt = self.env.get_template(f"{loc}/{name}.txt")
        html = self.env.get_template(f"{loc}/{name}.html")
        subject = " ".join(self._block(txt, "subject", ctx).split())
        short = " ".join(self._block(txt, "short", ctx).split()) or subject
        text = re.sub(r"\n{3,}", "\n\n", txt.render(ctx)).strip() + "\n"
        return Rendered(subject=subject, text=text, html=html.render(ctx), short=short)
