"""Translations (pt-BR default, English) and the request's language: ``?lang=``, cookie, Accept-Language.

A small catalog keyed by message id is enough for the pages' chrome; product texts come translated
(or not) from the catalog itself.
"""

from __future__ import annotations

from fastapi import Request

from .messages import EN, PT_BR

DEFAULT = "pt-BR"
LANGUAGES = {"pt-BR": PT_BR, "en": EN}
LANG_COOKIE = "ev_lang"


def _normalise(value: str | None) -> str | None:
    if not value:
        return None
    v = value.strip().lower().replace("_", "-")
    if v.startswith("pt"):
        return "pt-BR"
    if v.startswith("en"):
        return "en"
    return None


def negotiate(request: Request) -> str:
    """The language of this response: an explicit ``?lang=`` wins, then the cookie, then the browser."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        lang = _normalise(candidate)
        if lang:
            return lang
    header = request.headers.get("accept-language", "")
    weighted: list[tuple[float, str]] = []
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = _normalise(tag)
        if lang and q > 0:
            weighted.append((q, lang))
    if weighted:
        return max(weighted, key=lambda w: w[0])[1]
    return DEFAULT


def translator(lang: str):  # type: ignore[no-untyped-def]
    catalog = LANGUAGES.get(lang, PT_BR)

    def t(key: str, **params: object) -> str:
        text = catalog.get(key) or PT_BR.get(key) or key
        return text.format(**params) if params else text

    return t


def status_label(lang: str, value: object) -> str:
    """An order, payment or message status in the reader's language (the raw value when unknown)."""
    key = f"status_{value}"
    catalog = LANGUAGES.get(lang, PT_BR)
    return catalog.get(key) or PT_BR.get(key) or str(value)
