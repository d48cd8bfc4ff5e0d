"""API problems and validation errors in the reader's language, next to the field they are about.

The contexts answer in English (``application/problem+json`` with a ``code`` and per-field ``errors``
of pydantic's ``type``); pages never show that text. A known code or error type has a message in the
catalog (``err_<code>``); anything else gets a generic, translated message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .messages import PT_BR

#: pydantic error types -> catalog keys
TYPES = {
    "missing": "err_required",
    "string_too_short": "err_required",
    "string_too_long": "err_too_long",
    "int_parsing": "err_number",
    "int_type": "err_number",
    "decimal_parsing": "err_number",
    "greater_than_equal": "err_too_small",
    "greater_than": "err_too_small",
    "less_than_equal": "err_too_large",
    "value_error": "err_invalid",
    "string_pattern_mismatch": "err_invalid",
    "literal_error": "err_invalid",
    "bool_type": "err_invalid",
    "bool_parsing": "err_invalid",
    "card_number_not_accepted": "err_card_number_not_accepted",
}
#: fields whose "invalid" has a message of its own
FIELDS = {
    "postal_code": "cep_invalid",
    "state": "err_uf",
    "email": "err_email",
    "cpf": "err_invalid_cpf",
    "password": "err_weak_password",
}


def field_message(t: Callable[..., str], field: str, error_type: str | None, code: str | None = None) -> str:
    """The translated message of one field error."""
    if code and f"err_{code}" in PT_BR:
        return t(f"err_{code}")
    key = TYPES.get(error_type or "", "err_invalid")
    if key == "err_invalid" and field in FIELDS:
        key = FIELDS[field]
    return t(key)


def problem_message(t: Callable[..., str], code: str | None) -> str:
    """The translated message of a whole problem (its ``code``), generic when unknown."""
    if code and f"err_{code}" in PT_BR:
        return t(f"err_{code}")
    return t("err_generic")


def field_errors(t: Callable[..., str], errors: Iterable[Any], rename: dict[str, str] | None = None) -> dict[str, str]:
    """``{field: message}`` from a problem's ``errors`` list (``field`` dotted, ``type`` pydantic's)."""
    out: dict[str, str] = {}
    for e in errors:
        loc = e.get("loc")
        dotted = ".".join(str(p) for p in loc) if loc else str(e.get("field") or "")
        field = dotted.split(".")[-1] or "_"
        field = (rename or {}).get(field, field)
        out.setdefault(field, field_message(t, field, str(e.get("type") or ""), e.get("code")))
    return out
