"""The admin shipping form: the tenant's shipping configuration document as form fields and back.

Repeated parts (origins, zones, rates, pickup points) are rows named ``<section>-<row>-<field>``; a row
left blank is dropped, and a few blank rows are always offered for additions. The document is validated
as a whole by the logistics API (nothing is saved when anything is wrong); its errors come back with a
location (``zones.1.days_min``) that is mapped to the row and field the staff member typed in, with a
pt-BR (or English) message next to it. What was typed is shown again as it was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: (field, kind) of each repeated section's rows. Kinds: text, int, money, list (comma separated),
#: ranges (``01000-000..09999-999``, one per line or ``;``), bool, select:<choices>.
SECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "origins": (("code", "text"), ("name", "text"), ("cep", "text"), ("default", "bool")),
    "zones": (
        ("code", "text"), ("name", "text"), ("states", "list"), ("cep_ranges", "ranges"),
        ("days_min", "int"), ("days_max", "int"),
    ),
    "rates": (("zone", "text"), ("service", "select:standard,express,green"), ("max_weight_g", "int"),
              ("price", "money")),
    "pickup_points": (
        ("code", "text"), ("name", "text"), ("kind", "select:store,locker"), ("street", "text"),
        ("number", "text"), ("district", "text"), ("city", "text"), ("state", "text"), ("cep", "text"),
        ("hours", "text"), ("days", "int"), ("price", "money"), ("radius_km", "int"), ("states", "list"),
        ("enabled", "bool"),
    ),
}  # fmt: skip
#: Blank rows offered under each section for additions.
SPARE = {"origins": 1, "zones": 2, "rates": 3, "pickup_points": 1}
#: Single fields: (name in the form, path in the document, kind).
SCALARS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("handling_days", ("handling_days",), "int"),
    ("green_delivery", ("green_delivery",), "bool"),
    ("free_shipping-over", ("free_shipping", "over"), "money_or_none"),
    ("free_shipping-states", ("free_shipping", "states"), "list"),
    ("free_shipping-services", ("free_shipping", "services"), "list"),
    ("free_shipping-coupons", ("free_shipping", "coupons"), "bool"),
    ("carriers-table_rate", ("carriers", "table_rate"), "bool"),
    ("carriers-correios", ("carriers", "correios"), "list"),
    ("carriers-correios_pickup", ("carriers", "correios_pickup"), "list"),
    ("carriers-melhorenvio", ("carriers", "melhorenvio"), "list"),
    ("carriers-melhorenvio_pickup", ("carriers", "melhorenvio_pickup"), "list"),
    ("default_package-weight_g", ("default_package", "weight_g"), "int"),
    ("default_package-length_cm", ("default_package", "length_cm"), "int"),
    ("default_package-width_cm", ("default_package", "width_cm"), "int"),
    ("default_package-height_cm", ("default_package", "height_cm"), "int"),
    ("limits-max_weight_g", ("limits", "max_weight_g"), "int"),
    ("limits-max_side_cm", ("limits", "max_side_cm"), "int"),
    ("limits-max_sum_cm", ("limits", "max_sum_cm"), "int"),
)
MAX_ROWS = {"origins": 50, "zones": 200, "rates": 2000, "pickup_points": 100}
_ROW = re.compile(r"^(origins|zones|rates|pickup_points)-(\d{1,4})-([a-z_]+)$")


# -- document -> form values --------------------------------------------------------------------------


def _show(value: Any, kind: str) -> str:
    if kind == "bool":
        return "on" if value else ""
    if value is None:
        return ""
    if kind == "list":
        return ", ".join(str(v) for v in value)
    if kind == "ranges":
        return "\n".join(f"{a[:5]}-{a[5:]}..{b[:5]}-{b[5:]}" for a, b in value)
    if kind in ("money", "money_or_none"):
        return str(value).replace(".", ",")
    return str(value)


def _cep(value: Any) -> str:
    text = str(value or "")
    return f"{text[:5]}-{text[5:]}" if len(text) == 8 and text.isdigit() else text


def values_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Form values (strings) of a document: ``{"rows": {section: [row, ...]}, "fields": {name: value}}``."""
    rows: dict[str, list[dict[str, str]]] = {}
    for section, spec in SECTIONS.items():
        rows[section] = [
            {f: _cep(item.get(f)) if f == "cep" else _show(item.get(f), kind) for f, kind in spec}
            for item in doc.get(section) or []
        ]
    fields: dict[str, str] = {}
    for name, path, kind in SCALARS:
        node: Any = doc
        for part in path:
            node = node.get(part) if isinstance(node, Mapping) else None
        fields[name] = _show(node, kind)
    return {"rows": rows, "fields": fields}


def with_spares(values: dict[str, Any]) -> dict[str, Any]:
    """The values plus blank rows to add to each section (a new pickup point is enabled, a store)."""
    rows = {s: list(r) for s, r in values["rows"].items()}
    for section, spec in SECTIONS.items():
        blank = {f: ("on" if kind == "bool" and f == "enabled" else "") for f, kind in spec}
        rows[section] = rows.get(section, []) + [dict(blank) for _ in range(SPARE[section])]
    return {**values, "rows": rows}


# -- form -> document -----------------------------------------------------------------------------------


def _split(text: str) -> list[str]:
    return [p for p in re.split(r"[\s,;]+", text.strip()) if p]


def _money(text: str) -> str:
    t = text.strip().replace("R$", "").replace(" ", "")
    if "," in t:
        t = t.replace(".", "").replace(",", ".")
    return t


def _ranges(text: str) -> list[list[str]]:
    out = []
    for part in re.split(r"[;\n]+", text):
        part = part.strip()
        if not part:
            continue
        lo, sep, hi = part.partition("..")
        out.append([lo.strip(), hi.strip()] if sep else [part, ""])
    return out


def _value(raw: str, kind: str) -> Any:
    if kind == "bool":
        return raw == "on"
    if kind == "list":
        return _split(raw)
    if kind == "ranges":
        return _ranges(raw)
    if kind == "money":
        return _money(raw)
    if kind == "money_or_none":
        return _money(raw) or None
    return raw.strip()


def parse(
    form: Mapping[str, Any], free_services: list[str]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[int]]]:
    """(the document to validate, the values as typed, for each section the form row of each document
    item). Blank rows are left out; the default origin is the radio ``origins_default``; ``free_services``
    are the ticked free-shipping services (one checkbox each)."""
    typed_rows: dict[str, dict[int, dict[str, str]]] = {s: {} for s in SECTIONS}
    for key, raw in form.items():
        m = _ROW.match(key)
        if m is None or m.group(3) not in dict(SECTIONS[m.group(1)]):
            continue
        section, row = m.group(1), int(m.group(2))
        if row >= MAX_ROWS[section] + SPARE[section]:
            continue
        typed_rows[section].setdefault(row, {})[m.group(3)] = str(raw)[:2000]
    default_origin = str(form.get("origins_default") or "")
    doc: dict[str, Any] = {}
    rows: dict[str, list[dict[str, str]]] = {}
    where: dict[str, list[int]] = {}
    for section, spec in SECTIONS.items():
        rows[section], where[section], items = [], [], []
        for row in sorted(typed_rows[section]):
            typed = typed_rows[section][row]
            text_kinds = [f for f, kind in spec if kind in ("text", "int", "money", "list", "ranges")]
            if not any(typed.get(f, "").strip() for f in text_kinds):
                continue  # a blank row: nothing to add
            if section == "origins":
                typed["default"] = "on" if default_origin == str(row) else ""
            shown = len(rows[section])
            rows[section].append({f: typed.get(f, "") for f, _ in spec})
            where[section].append(shown)
            item = {f: _value(typed.get(f, ""), kind) for f, kind in spec}
            if section == "pickup_points" and not item["states"]:
                item.pop("states")
            items.append(item)
        doc[section] = items
    fields: dict[str, str] = {}
    for name, path, kind in SCALARS:
        raw = str(form.get(name) or "")[:2000]
        fields[name] = "on" if kind == "bool" and raw == "on" else raw if kind != "bool" else ""
        node = doc
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = _value(raw, kind)
    doc["free_shipping"]["services"] = [s for s in free_services if s in ("standard", "express", "green")]
    fields["free_shipping-services"] = ", ".join(doc["free_shipping"]["services"])
    return doc, {"rows": rows, "fields": fields}, where


# -- errors ---------------------------------------------------------------------------------------------

_MESSAGES: tuple[tuple[str, str], ...] = (
    ("invalid CEP", "err_cep"),
    ("unknown states", "err_states"),
    ("unknown state", "err_states"),
    ("is reversed", "err_range_reversed"),
    ("days_min is above days_max", "err_days_order"),
    ("zone codes repeat", "err_zone_codes_repeat"),
    ("origin codes repeat", "err_origin_codes_repeat"),
    ("pickup point codes repeat", "err_pickup_codes_repeat"),
    ("rates name unknown zones", "err_rate_unknown_zone"),
    ("service must be one of", "err_service"),
    ("kind must be one of", "err_pickup_kind"),
)
_TYPES = {
    "int_parsing": "err_int",
    "int_from_float": "err_int",
    "decimal_parsing": "err_money",
    "decimal_max_places": "err_money",
    "decimal_type": "err_money",
    "greater_than": "err_too_small",
    "greater_than_equal": "err_too_small",
    "less_than_equal": "err_too_large",
    "missing": "err_required",
    "string_too_short": "err_required",
    "too_short": "err_at_least_one",
    "too_long": "err_too_many",
    "string_too_long": "err_too_long",
    "string_pattern_mismatch": "err_code_chars",
    "bool_parsing": "err_required",
}


def message_key(error: Mapping[str, Any]) -> str:
    msg = str(error.get("msg") or "")
    for needle, key in _MESSAGES:
        if needle in msg:
            return key
    return _TYPES.get(str(error.get("type") or ""), "err_invalid_value")


def field_of(loc: str, where: Mapping[str, list[int]]) -> str:
    """The form field of an error location: ``rates.3.price`` → ``rates-<row>-price`` (the row the fourth
    rate was typed in), ``zones.1`` → ``zones-<row>`` (the whole row), ``carriers.correios.0`` →
    ``carriers-correios``; ``""`` for the document as a whole."""
    parts = [p for p in loc.split(".") if p]
    if not parts:
        return ""
    if parts[0] in SECTIONS:
        if len(parts) < 2 or not parts[1].isdigit():
            return parts[0]
        index = int(parts[1])
        rows = where.get(parts[0], [])
        row = rows[index] if index < len(rows) else index
        return f"{parts[0]}-{row}" + (f"-{parts[2]}" if len(parts) > 2 else "")
    known = {name for name, _, _ in SCALARS}
    for n in (2, 1):
        name = "-".join(parts[:n])
        if name in known:
            return name
    return ""
