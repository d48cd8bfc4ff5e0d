"""The admin dashboard over the analytics facts: a date range, headline figures against the previous
period, charts (Chart.js, one colour per category) and a drill-down table per report with CSV export.

Nothing is aggregated here: every figure is one of the analytics context's reports."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request

from ecovarejo.analytics import public as analytics
from ecovarejo.core.errors import InvalidInput

from . import i18n
from .pages import PageRoute, uow_for

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: Distinct, colour-blind-friendly (Okabe–Ito, then Tableau) colours for categorical charts.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
           "#4E79A7", "#F28E2B", "#59A14F", "#B07AA1")  # fmt: skip
PRESETS = (7, 30, 90, 365)
MONTHS_PT = ("jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez")


#: Labels of this module's pages (report names, columns, headline figures, chart titles) in each language.
LABELS: dict[str, dict[str, str]] = {
    "pt-BR": {
        "sales": "Vendas", "category": "Vendas por categoria", "product": "Vendas por produto",
        "state": "Vendas por estado", "payment_method": "Vendas por forma de pagamento",
        "channel": "Vendas por canal (B2C/B2B)", "customer_type": "Clientes novos e recorrentes",
        "status": "Pedidos por situação", "funnel": "Funil de conversão", "cohorts": "Coortes e recompra",
        "promotions": "Cupons e pontos de fidelidade", "stock": "Giro de estoque e dias de cobertura",
        "searches": "Buscas mais feitas", "zero_result_searches": "Buscas sem resultado",
        "sustainability": "Sustentabilidade",
        "sales_per_day": "Receita por dia", "sales_per_week": "Receita por semana",
        "sales_per_month": "Receita por mês",
        "orders_by_status": "Pedidos por situação", "top_products": "Produtos mais vendidos",
        "co2_of_sales": "kg CO₂e dos pedidos", "co2_avoided": "kg CO₂e evitados (vs. convencional)",
        "revenue_by_category": "Receita por categoria", "revenue_by_channel": "Receita por canal",
        "revenue": "Receita líquida", "orders": "Pedidos", "aov": "Ticket médio", "customers": "Clientes",
        "co2e_avoided_kg": "kg CO₂e evitados", "certified_revenue_share": "Receita de certificados",
        "gross": "Receita bruta", "refunded": "Reembolsado", "units": "Unidades", "share": "Participação",
        "key": "Item", "period": "Período", "sku": "SKU", "name": "Nome", "co2e_kg": "kg CO₂e",
        "revenue_previous": "Receita no período anterior", "step": "Etapa", "visitors": "Visitantes",
        "events": "Eventos", "from_previous": "Da etapa anterior", "from_first": "Do início",
        "cohort": "Coorte", "buyers": "Compradores", "repeat_buyers": "Recompraram", "repeat_rate": "Taxa de recompra",
        "discount": "Desconto", "loyalty": "Pontos usados (R$)", "units_per_day": "Unidades/dia",
        "available": "Disponível", "days_of_cover": "Dias de cobertura", "turnover": "Giro", "query": "Busca",
        "searches_n": "Buscas", "results": "Resultados", "metric": "Indicador", "value": "Valor",
        "previous": "Período anterior", "total": "Total", "co2e_avoided_kg_col": "kg CO₂e evitados",
        "funnel_product_viewed": "Viu produto", "funnel_added_to_cart": "Pôs no carrinho",
        "funnel_checkout_started": "Iniciou checkout", "funnel_order_placed": "Fez pedido",
        "vs_previous": "vs. período anterior", "date_from": "De", "date_to": "Até", "apply": "Aplicar",
        "last_days": "últimos {n} dias", "export_csv": "Exportar CSV", "see_table": "Ver tabela",
        "date_range": "Período do relatório", "reports": "Relatórios",
        "co2e_sold_kg": "kg CO₂e dos produtos vendidos", "co2e_shipped_kg": "kg CO₂e dos envios",
        "co2e_logistics_kg": "kg CO₂e da logística", "co2e_baseline_kg": "kg CO₂e do convencional",
        "eco_packaging_share": "Pedidos com embalagem ecológica", "green_delivery_share": "Entregas verdes",
    },
    "en": {
        "sales": "Sales", "category": "Sales by category", "product": "Sales by product", "state": "Sales by state",
        "payment_method": "Sales by payment method", "channel": "Sales by channel (B2C/B2B)",
        "customer_type": "New and returning customers", "status": "Orders by status", "funnel": "Conversion funnel",
        "cohorts": "Cohorts and repeat purchases", "promotions": "Coupons and loyalty points",
        "stock": "Stock turnover and days of cover", "searches": "Top searches",
        "zero_result_searches": "Zero-result searches", "sustainability": "Sustainability",
        "sales_per_day": "Revenue per day", "sales_per_week": "Revenue per week",
        "sales_per_month": "Revenue per month",
        "orders_by_status": "Orders by status", "top_products": "Top products", "co2_of_sales": "kg CO₂e of orders",
        "co2_avoided": "kg CO₂e avoided (vs conventional)", "revenue_by_category": "Revenue by category",
        "revenue_by_channel": "Revenue by channel", "revenue": "Net revenue", "orders": "Orders",
        "aov": "Average order value", "customers": "Customers", "co2e_avoided_kg": "kg CO₂e avoided",
        "certified_revenue_share": "Certified revenue", "gross": "Gross revenue", "refunded": "Refunded",
        "units": "Units", "share": "Share", "key": "Item", "period": "Period", "sku": "SKU", "name": "Name",
        "co2e_kg": "kg CO₂e", "revenue_previous": "Revenue, previous period", "step": "Step", "visitors": "Visitors",
        "events": "Events", "from_previous": "From previous step", "from_first": "From first step",
        "cohort": "Cohort", "buyers": "Buyers", "repeat_buyers": "Bought again", "repeat_rate": "Repeat rate",
        "discount": "Discount", "loyalty": "Points used (BRL)", "units_per_day": "Units/day",
        "available": "Available", "days_of_cover": "Days of cover", "turnover": "Turnover", "query": "Search",
        "results": "Results", "metric": "Metric", "value": "Value", "previous": "Previous period", "total": "Total",
        "funnel_product_viewed": "Viewed a product", "funnel_added_to_cart": "Added to cart",
        "funnel_checkout_started": "Started checkout", "funnel_order_placed": "Placed an order",
        "vs_previous": "vs previous period", "date_from": "From", "date_to": "To", "apply": "Apply",
        "last_days": "last {n} days", "export_csv": "Export CSV", "see_table": "See table",
        "date_range": "Report period", "reports": "Reports",
        "co2e_sold_kg": "kg CO₂e of products sold", "co2e_shipped_kg": "kg CO₂e of shipments",
        "co2e_logistics_kg": "kg CO₂e of logistics", "co2e_baseline_kg": "kg CO₂e of the conventional",
        "eco_packaging_share": "Orders with eco packaging", "green_delivery_share": "Green deliveries",
    },
}  # fmt: skip


def labeller(lang: str) -> Any:
    table = LABELS.get(lang, LABELS["pt-BR"])

    def label(key: str, **params: object) -> str:
        text: str = table.get(key) or LABELS["pt-BR"].get(key) or key
        return text.format(**params) if params else text

    return label


def date_range(request: Request) -> analytics.Period:
    def parse(name: str) -> date | None:
        raw = (request.query_params.get(name) or "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError as exc:
            raise InvalidInput(f"{name} is not a date (YYYY-MM-DD)", code="invalid_date") from exc

    days = request.query_params.get("dias")
    if days and days.isdigit() and not request.query_params.get("start"):
        end = analytics.shop_today()
        return analytics.period(end - timedelta(days=int(days) - 1), end)
    return analytics.period(parse("start"), parse("end"))


def grain_for(p: analytics.Period) -> str:
    return "day" if p.days <= 62 else "week" if p.days <= 200 else "month"


def period_label(value: Any, grain: str, lang: str) -> str:
    d: date = value if isinstance(value, date) else date.fromisoformat(str(value))
    if grain == "month":
        return f"{MONTHS_PT[d.month - 1]}/{d.year}" if lang != "en" else d.strftime("%b %Y")
    return d.strftime("%d/%m/%Y") if lang != "en" else d.isoformat()


def chart(cid: str, title: str, kind: str, rows: list[tuple[str, Any]], label: str, report: str,
          colours: bool = False) -> dict[str, Any]:  # fmt: skip
    spec: dict[str, Any] = {
        "type": kind, "label": label, "labels": [r[0] for r in rows], "values": [float(r[1]) for r in rows],
    }  # fmt: skip
    if colours or kind == "doughnut":
        spec["colors"] = [PALETTE[i % len(PALETTE)] for i in range(len(rows))]
    return {"id": cid, "title": title, "rows": rows, "spec": spec, "report": report}


def change_text(value: float | None) -> str:
    if value is None:
        return "—"
    pct = round(value * 100, 1)
    return f"{'▲' if pct > 0 else '▼' if pct < 0 else '='} {abs(pct):.1f}%".replace(".", ",")


async def dashboard_parts(request: Request) -> dict[str, Any]:
    """Charts and headline figures of the chosen range, from the facts."""
    lang = i18n.negotiate(request)
    lbl = labeller(lang)
    p = date_range(request)
    grain = grain_for(p)
    async with uow_for(request, read_only=True) as uow:
        sales = await analytics.report(uow, "sales", p, grain=grain)
        status = await analytics.report(uow, "status", p)
        products = await analytics.report(uow, "product", p, limit=10)
        categories = await analytics.report(uow, "category", p, limit=12)
        funnel = await analytics.report(uow, "funnel", p)
        sus = await analytics.report(uow, "sustainability", p)
        channel = await analytics.report(uow, "channel", p)
    series = [(period_label(r[0], grain, lang), r) for r in sales.rows]
    change = {**sales.change(), **sus.change()}
    money = "R$"
    headline = [
        ("revenue", sales.summary["revenue"], change.get("revenue"), "money"),
        ("orders", sales.summary["orders"], change.get("orders"), "int"),
        ("aov", sales.summary["aov"], change.get("aov"), "money"),
        ("customers", sales.summary["customers"], change.get("customers"), "int"),
        ("co2e_avoided_kg", sus.summary["co2e_avoided_kg"], change.get("co2e_avoided_kg"), "kg"),
        ("certified_revenue_share", sus.summary["certified_revenue_share"], change.get("certified_revenue_share"),
         "pct"),
    ]  # fmt: skip
    charts = [
        chart("sales", "sales_per_" + grain, "bar", [(when, r[4]) for when, r in series], money, "sales"),
        chart("status", "orders_by_status", "doughnut", [(i18n.status_label(lang, r[0]), r[1]) for r in status.rows],
              lbl("orders"), "status"),
        chart("top", "top_products", "bar", [(r[1], r[2]) for r in products.rows], lbl("units"), "product", True),
        chart("co2", "co2_of_sales", "bar", [(when, r[6]) for when, r in series], "kg CO₂e", "sustainability"),
        chart("avoided", "co2_avoided", "bar", [(when, r[7]) for when, r in series], "kg CO₂e", "sustainability"),
        chart("categories", "revenue_by_category", "doughnut", [(r[0], r[3]) for r in categories.rows], money,
              "category"),
        chart("funnel", "funnel", "bar", [(lbl("funnel_" + r[0]), r[1]) for r in funnel.rows], lbl("visitors"),
              "funnel", True),
        chart("channel", "revenue_by_channel", "doughnut", [(r[0].upper(), r[2]) for r in channel.rows], money,
              "channel"),
    ]  # fmt: skip
    for c in charts:
        c["title_text"] = lbl(c["title"])
    return {
        "label": lbl,
        "charts": [c for c in charts if c["rows"]],
        "headline": [
            {"id": k, "value": v, "kind": kind, "change": change_text(c), "up": (c or 0) >= 0}
            for k, v, c, kind in headline
        ],
        "period": p,
        "presets": PRESETS,
        "range_query": f"start={p.start.isoformat()}&end={p.end.isoformat()}",
        "sustainability": sus,
    }


def value_label(report: str, column: str, value: Any, lang: str) -> str | None:
    """An order status or a payment method of a report row in the reader's language (the admin's order
    tables' labels; the pt-BR CSV uses the same), None for other cells."""
    if value is None:
        return None
    if (report, column) == ("status", "status"):
        return i18n.status_label(lang, value)
    if (report, column) == ("payment_method", "key"):
        key = f"pay_{value}"
        text = i18n.translator(lang)(key)
        return text if text != key else None
    return None


def cell(value: Any, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.replace(".", ",") if lang != "en" else text
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if lang != "en" else value.isoformat()
    return str(value)
