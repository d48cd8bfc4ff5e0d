"""Reports as CSV files a spreadsheet opens in the reader's language.

pt-BR (the default): a header row of pt-BR labels, ``;`` separators and decimal commas — what Excel and
LibreOffice expect under a pt-BR locale — with the funnel steps, sustainability metrics, customer
types, order statuses and payment methods named in Portuguese (the admin's labels).
en: the report's column keys (the API's names), ``,`` separators and decimal
points. Both UTF-8 with a BOM (so Excel reads the accents) and ISO dates (read as dates by both).
Text a visitor typed (search queries) that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
``@``, tab, carriage return first) is written with a leading apostrophe, shown as text (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from .reports import Report

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LANGUAGES = ("pt-BR", "en")
DEFAULT_LANGUAGE = "pt-BR"

#: Column headers of every report in pt-BR (the English header is the column key itself).
HEADERS_PT: dict[str, str] = {
    "period": "Período", "orders": "Pedidos", "gross": "Receita bruta (R$)", "refunded": "Reembolsado (R$)",
    "revenue": "Receita líquida (R$)", "aov": "Ticket médio (R$)", "co2e_kg": "kg CO₂e",
    "co2e_avoided_kg": "kg CO₂e evitados", "key": "Item", "share": "Participação",
    "revenue_previous": "Receita no período anterior (R$)", "sku": "SKU", "name": "Nome", "units": "Unidades",
    "step": "Etapa", "visitors": "Visitantes", "events": "Eventos", "from_previous": "Da etapa anterior",
    "from_first": "Do início", "cohort": "Coorte", "buyers": "Compradores", "repeat_buyers": "Recompraram",
    "repeat_rate": "Taxa de recompra", "discount": "Desconto (R$)", "loyalty": "Pontos usados (R$)",
    "units_per_day": "Unidades/dia", "available": "Disponível", "days_of_cover": "Dias de cobertura",
    "turnover": "Giro", "query": "Busca", "searches": "Buscas", "results": "Resultados", "metric": "Indicador",
    "value": "Valor", "previous": "Período anterior", "status": "Situação", "total": "Total (R$)",
}  # fmt: skip

#: Code-like cell values named in pt-BR (funnel steps, sustainability metrics, customer types).
VALUES_PT: dict[str, str] = {
    "product_viewed": "Viu produto", "added_to_cart": "Pôs no carrinho", "checkout_started": "Iniciou checkout",
    "order_placed": "Fez pedido", "new": "Novo", "returning": "Recorrente",
    "co2e_sold_kg": "kg CO₂e dos produtos vendidos", "co2e_logistics_kg": "kg CO₂e da logística",
    "co2e_shipped_kg": "kg CO₂e dos envios", "co2e_baseline_kg": "kg CO₂e do convencional",
    "co2e_avoided_kg": "kg CO₂e evitados", "certified_revenue_share": "Participação da receita de certificados",
    "eco_packaging_share": "Pedidos com embalagem ecológica", "green_delivery_share": "Entregas verdes",
}  # fmt: skip
#: Order statuses in pt-BR: the labels of the admin's order tables (web ``status_*`` messages; a test keeps
#: them equal).
STATUSES_PT: dict[str, str] = {
    "pending": "Pendente", "awaiting_payment": "Aguardando pagamento", "paid": "Pago",
    "fulfilling": "Em separação", "shipped": "Enviado", "delivered": "Entregue",
    "return_requested": "Devolução solicitada", "returned": "Devolvido",
    "partially_refunded": "Reembolsado em parte", "refunded": "Reembolsado", "cancelled": "Cancelado",
}  # fmt: skip
#: Payment methods in pt-BR: the checkout's and the admin's labels (web ``pay_*`` messages); ``none``: an order
#: without a payment row.
PAYMENT_METHODS_PT: dict[str, str] = {
    "card": "Cartão de crédito", "pix": "Pix", "boleto": "Boleto", "none": "Sem pagamento",
}  # fmt: skip
#: The report columns whose values are translated in pt-BR, and their labels.
TRANSLATED: dict[tuple[str, str], dict[str, str]] = {
    ("funnel", "step"): VALUES_PT,
    ("sustainability", "metric"): VALUES_PT,
    ("customer_type", "key"): VALUES_PT,
    ("status", "status"): STATUSES_PT,
    ("payment_method", "key"): PAYMENT_METHODS_PT,
}


def language(lang: str | None, accept_language: str | None) -> str:
    """The CSV's language: ``lang`` (``pt-BR``/``pt``/``en``…) wins, then the best Accept-Language entry
    naming pt or en; pt-BR when neither says."""

    def norm(tag: str | None) -> str | None:
        t = (tag or "").strip().lower().replace("_", "-")
        return "pt-BR" if t.startswith("pt") else "en" if t.startswith("en") else None

    chosen = norm(lang)
    if chosen:
        return chosen
    weighted: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        found = norm(tag)
        if found and q > 0:
            weighted.append((q, -i, found))
    return max(weighted)[2] if weighted else DEFAULT_LANGUAGE


def header(column: str, lang: str) -> str:
    if lang != "pt-BR":
        return column
    if column.startswith("month_"):
        return f"Mês {column.removeprefix('month_')}"
    return HEADERS_PT.get(column, column)


def _cell(value: Any, lang: str, labels: dict[str, str] | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.replace(".", ",") if lang == "pt-BR" else text
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if labels is not None and lang == "pt-BR" and text in labels:
        return labels[text]
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text


def to_csv(report: Report, lang: str = DEFAULT_LANGUAGE) -> str:
    """The report as CSV text (with its BOM) for a spreadsheet under ``lang`` (pt-BR or en)."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out, delimiter=";" if lang == "pt-BR" else ",", lineterminator="\r\n")
    w.writerow([header(c, lang) for c in report.columns])
    translated = [TRANSLATED.get((report.name, c)) for c in report.columns]
    for row in report.rows:
        w.writerow([_cell(v, lang, t) for v, t in zip(row, translated, strict=False)])
    return out.getvalue()
