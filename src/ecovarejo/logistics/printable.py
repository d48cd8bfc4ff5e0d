"""Printable pages for the warehouse: the shop's own label (table-rate shipments) and the packing slip.

Plain HTML sized for A6 labels / A4 slips, printed from the browser; every value is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from . import cep as ceps
from .models import Shipment

_STYLE = (
    "<style>body{font-family:system-ui,sans-serif;margin:1rem}h1{font-size:1.2rem}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.3rem;text-align:left}"
    ".code{font:700 1.6rem monospace;letter-spacing:.1rem}@media print{button{display:none}}</style>"
)


def _address(a: dict[str, Any]) -> str:
    parts = [
        str(a.get("recipient") or a.get("name") or ""),
        " ".join(x for x in (str(a.get("street", "")), str(a.get("number", ""))) if x),
        str(a.get("complement", "")),
        str(a.get("district", "")),
        " - ".join(x for x in (str(a.get("city", "")), str(a.get("state", ""))) if x),
        str(a.get("postal_code") or a.get("cep") or ""),
    ]
    return "<br>".join(escape(p) for p in parts if p)


def label_html(s: Shipment) -> str:
    return (
        f"<!doctype html><html lang='pt-BR'><meta charset='utf-8'><title>Etiqueta {escape(s.order_number)}</title>"
        f"{_STYLE}<button onclick='print()'>Imprimir</button>"
        f"<h1>{escape(s.service_name)}</h1><p class='code'>{escape(s.tracking_code or '')}</p>"
        f"<p><strong>Destinatário</strong><br>{_address(s.recipient)}</p>"
        f"<p><strong>Remetente</strong><br>CEP {escape(ceps.formatted(s.origin_cep))}</p>"
        f"<p>Pedido {escape(s.order_number)} · {sum(int(i['quantity']) for i in s.items)} item(ns)</p></html>"
    )


def packing_slip_html(s: Shipment) -> str:
    rows = "".join(
        f"<tr><td>{escape(str(i['sku']))}</td><td>{escape(str(i.get('name', '')))}</td>"
        f"<td>{int(i['quantity'])}</td></tr>"
        for i in s.items
    )
    pkg = s.packages[0] if s.packages else {}
    return (
        f"<!doctype html><html lang='pt-BR'><meta charset='utf-8'><title>Romaneio {escape(s.order_number)}</title>"
        f"{_STYLE}<button onclick='print()'>Imprimir</button>"
        f"<h1>Romaneio de separação · pedido {escape(s.order_number)}</h1>"
        f"<p>{escape(s.service_name)} · {escape(s.tracking_code or '')}</p>"
        f"<p><strong>Entregar a</strong><br>{_address(s.recipient)}</p>"
        f"<table><tr><th>SKU</th><th>Produto</th><th>Qtd.</th></tr>{rows}</table>"
        f"<p>Caixa: {escape(str(pkg.get('length_cm', '')))} × {escape(str(pkg.get('width_cm', '')))} × "
        f"{escape(str(pkg.get('height_cm', '')))} cm · {escape(str(pkg.get('weight_g', '')))} g</p></html>"
    )
