"""Every report's figures against values computed by hand from the facts planted in facts.py
(March 1–10, 2026, compared with February 19–28), on SQLite and PostgreSQL, through the API."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from ecovarejo.analytics import repository as repo
from ecovarejo.analytics.api import ReportOut
from ecovarejo.core.db import new_id
from tests.support import bearer, make_tenant, token_for

from .facts import plant

RANGE = {"start": "2026-03-01", "end": "2026-03-10"}


@pytest.fixture
async def shop(container) -> dict[str, str]:
    tid = await make_tenant(container)
    await plant(container, tid)
    return {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "customer", permissions=("view_reports",)))}


async def get(client, h, name: str, **params: Any) -> dict[str, Any]:
    r = await client.get(f"/api/v1/analytics/reports/{name}", params={**RANGE, **params}, headers=h)
    assert r.status_code == 200, r.text
    ReportOut.model_validate_json(r.content, strict=True)  # what the OpenAPI document says it is
    return r.json()


async def test_sales_by_day_week_month_with_previous_period(client, shop) -> None:
    r = await get(client, shop, "sales")
    assert r["previous_start"] == "2026-02-19" and r["previous_end"] == "2026-02-28"
    assert r["rows"] == [
        ["2026-03-02", 2, "400.00", "50.00", "350.00", "200.00", "9.000", "2.000"],
        ["2026-03-09", 1, "50.00", "0.00", "50.00", "50.00", "1.000", "0.500"],
    ]  # the cancelled order of 03-05 is no sale
    s = r["summary"]
    assert (s["orders"], s["revenue"], s["gross"], s["aov"], s["customers"]) == (3, "400.00", "450.00", "150.00", 2)
    assert r["summary_previous"]["revenue"] == "40.00" and r["summary_previous"]["orders"] == 1
    assert r["change"]["revenue"] == pytest.approx(9.0) and r["change"]["orders"] == pytest.approx(2.0)
    week = await get(client, shop, "sales", grain="week")
    assert [(row[0], row[1]) for row in week["rows"]] == [("2026-03-02", 2), ("2026-03-09", 1)]  # ISO weeks
    month = await get(client, shop, "sales", grain="month")
    assert month["rows"] == [["2026-03-01", 3, "450.00", "50.00", "400.00", "150.00", "10.000", "2.500"]]
    # whole months from the buyer-month rows (A in March: previous active month February), the days at the
    # edges from the facts unless the buyer is active in those whole months, each buyer once:
    # A (Feb 20, Mar 2, Mar 9) and B (Mar 2); C's order was cancelled
    for start, end, customers in (("2026-02-15", "2026-03-31", 2), ("2026-02-01", "2026-03-31", 2),
                                  ("2026-02-01", "2026-02-28", 1), ("2026-02-21", "2026-03-03", 2),
                                  ("2026-03-03", "2026-03-08", 0), ("2026-03-01", "2026-03-31", 2)):  # fmt: skip
        r = await get(client, shop, "sales", start=start, end=end)
        assert r["summary"]["customers"] == customers, (start, end)
    st = await get(client, shop, "status")
    assert st["rows"] == [["cancelled", 1, "999.00"], ["paid", 2, "350.00"], ["shipped", 1, "100.00"]]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("state", [["RJ", 1, "250.00", "300.00", "0.6250", "0.00"], ["SP", 2, "150.00", "75.00", "0.3750", "0.00"]]),
        ("payment_method", [["pix", 1, "250.00", "300.00", "0.6250", "0.00"],
                            ["card", 2, "150.00", "75.00", "0.3750", "40.00"]]),
        ("channel", [["b2b", 1, "250.00", "300.00", "0.6250", "0.00"],
                     ["b2c", 2, "150.00", "75.00", "0.3750", "40.00"]]),
        # A's first order was in February: in March A returns, B is new
        ("customer_type", [["new", 1, "250.00", "300.00", "0.6250", "40.00"],
                           ["returning", 2, "150.00", "75.00", "0.3750", "0.00"]]),
    ],
)  # fmt: skip
async def test_breakdowns(client, shop, name: str, expected: list[list[Any]]) -> None:
    r = await get(client, shop, name)
    assert r["rows"] == expected
    assert r["summary"] == {"orders": 3, "revenue": "400.00"}


async def test_categories_and_products(client, shop) -> None:
    r = await get(client, shop, "category")
    assert r["rows"] == [
        ["Cozinha", 11, 2, "330.00", "0.7174", "5.500", "0.00"],
        ["Camisetas", 3, 2, "130.00", "0.2826", "3.000", "40.00"],
    ]
    p = await get(client, shop, "product")
    assert p["columns"][:2] == ["sku", "name"]
    assert [row[0] for row in p["rows"]] == ["CUP", "TEE"] and p["rows"][1][2:6] == [3, 2, "130.00", "0.2826"]
    # whole months come from the monthly rollup, the edges from the daily one: February 20 + March
    for start in ("2026-02-01", "2026-02-15"):
        p = await get(client, shop, "product", start=start, end="2026-03-31")
        assert p["rows"] == [["CUP", "Cup", 11, 2, "330.00", "0.6600", "5.500", "0.00"],
                             ["TEE", "Tee", 4, 3, "170.00", "0.3400", "4.000", "0.00"]]  # fmt: skip
    s = await get(client, shop, "stock", start="2026-02-01", end="2026-03-31")
    assert [(row[0], row[2]) for row in s["rows"]] == [("TEE", 4), ("CUP", 11)]


async def test_sustainability(client, shop) -> None:
    r = await get(client, shop, "sustainability")
    assert r["summary"] == {
        "co2e_sold_kg": "8.500",  # 2 + 0.5 + 5 + 1 kg of the paid lines
        "co2e_logistics_kg": "1.500",  # orders' 10 kg minus the products' 8.5
        "co2e_shipped_kg": "3.000",  # only order 1 has shipped
        "co2e_baseline_kg": "11.000",
        "co2e_avoided_kg": "2.500",
        "certified_revenue_share": "0.2826",  # 130 of 460
        "eco_packaging_share": "0.6667",
        "green_delivery_share": "0.3333",
    }
    assert r["summary_previous"]["co2e_sold_kg"] == "1.000"


async def test_funnel_and_searches(client, shop) -> None:
    r = await get(client, shop, "funnel")
    assert r["rows"] == [
        ["product_viewed", 3, 4, "1", "1.0000"],
        ["added_to_cart", 2, 2, "0.6667", "0.6667"],
        ["checkout_started", 1, 1, "0.5000", "0.3333"],
        ["order_placed", 1, 1, "1.0000", "0.3333"],
    ]
    s = await get(client, shop, "searches")
    assert s["rows"] == [["camiseta", 2, 5], ["xyz", 1, 0]]
    z = await get(client, shop, "zero_result_searches")
    assert z["rows"] == [["xyz", 1, 0]]


async def test_funnel_over_whole_months_and_edge_days(client, container) -> None:
    """Whole months from the funnel-month rows, the edge days from the visitor-days, each visitor once."""
    tid = await make_tenant(container)
    h = {"X-Tenant-ID": str(tid), **bearer(token_for(container, tid, "customer", permissions=("view_reports",)))}
    planted = [
        ("a", date(2026, 1, 20), "product_viewed"), ("a", date(2026, 2, 5), "product_viewed"),
        ("a", date(2026, 2, 5), "added_to_cart"), ("b", date(2026, 2, 20), "product_viewed"),
        ("b", date(2026, 2, 20), "product_viewed"), ("c", date(2026, 3, 2), "product_viewed"),
        ("c", date(2026, 3, 2), "added_to_cart"), ("a", date(2026, 3, 2), "product_viewed"),
    ]  # fmt: skip
    async with container.uow(tid, actor="test") as uow:
        for visitor, day, kind in planted:  # one write per event: the rollups move event by event
            at = datetime(day.year, day.month, day.day, 15, tzinfo=UTC)
            await repo.insert_behaviour(
                uow, [{"id": new_id(), "at": at, "day": day, "tenant_id": tid, "kind": kind, "visitor": visitor}]
            )
        await uow.commit()
    # (range, [visitors, events] for viewed and cart): Jan 15–Mar 5 = Feb whole + two edges; Feb–Mar whole
    # (a in March was already counted in February); March whole (a's previous month with a view is February)
    for start, end, viewed, cart in (
        ("2026-01-15", "2026-03-05", [3, 6], [2, 2]),
        ("2026-02-01", "2026-03-31", [3, 5], [2, 2]),
        ("2026-03-01", "2026-03-31", [2, 2], [1, 1]),
        ("2026-01-01", "2026-03-31", [3, 6], [2, 2]),
    ):
        r = await get(client, h, "funnel", start=start, end=end)
        assert [row[:3] for row in r["rows"]] == [
            ["product_viewed", *viewed], ["added_to_cart", *cart], ["checkout_started", 0, 0],
            ["order_placed", 0, 0],
        ], (start, end)  # fmt: skip


async def test_cohorts_promotions_stock(client, shop) -> None:
    c = await get(client, shop, "cohorts", start="2026-02-01", end="2026-03-31")
    assert c["rows"] == [
        ["2026-02-01", 1, 1, "1.0000", 1, 0, 0, 0, 0, 0],  # A: first in February, back in March
        ["2026-03-01", 1, 0, "0.0000", 0, 0, 0, 0, 0, 0],  # B
    ]
    assert c["summary"]["repeat_rate"] == "0.5000"
    p = await get(client, shop, "promotions")
    assert p["rows"] == [
        ["coupon", 1, "100.00", "100.00", "10.00", "0.00"],
        ["loyalty", 1, "300.00", "300.00", "0.00", "5.00"],
        ["none", 1, "50.00", "50.00", "0.00", "0.00"],
        ["coupon:ECO10", 1, "100.00", "100.00", "10.00", "0.00"],
    ]
    s = await get(client, shop, "stock")
    # TEE: 3 units in 10 days, 30 on hand -> 100 days of cover, turnover 0.1; CUP: stock unknown
    assert s["rows"] == [["TEE", "Tee", 3, "0.30", 30, "100.0", "0.1000"], ["CUP", "Cup", 11, "1.10", None, None, None]]


async def test_csv_export_opens_in_a_spreadsheet_in_pt_br(client, shop) -> None:
    # pt-BR (by `lang`, by Accept-Language, and by default): pt-BR headers, `;`, decimal comma, UTF-8 BOM
    for params, headers in (({"lang": "pt-BR"}, {}), ({}, {"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"}), ({}, {})):
        r = await client.get(
            "/api/v1/analytics/reports/state", params={**RANGE, "format": "csv", **params}, headers={**shop, **headers}
        )
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "state_2026-03-01_2026-03-10.csv" in r.headers["content-disposition"]
        assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the accents as UTF-8
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == ["Item", "Pedidos", "Receita líquida (R$)", "Ticket médio (R$)", "Participação",
                           "Receita no período anterior (R$)"]  # fmt: skip
        assert rows[1] == ["RJ", "1", "250,00", "300,00", "0,6250", "0,00"]
        assert Decimal(rows[2][2].replace(",", ".")) == Decimal("150.00")
    r = await client.get("/api/v1/analytics/reports/funnel", params={**RANGE, "format": "csv"}, headers=shop)
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Etapa", "Visitantes"] and [r[0] for r in rows[1:]] == [
        "Viu produto", "Pôs no carrinho", "Iniciou checkout", "Fez pedido"]  # fmt: skip
    assert rows[2][3] == "0,6667"
    r = await client.get("/api/v1/analytics/reports/cohorts", params={"start": "2026-02-01", "end": "2026-03-31",
                         "format": "csv", "lang": "pt"}, headers=shop)  # fmt: skip
    head = r.content.decode("utf-8-sig").splitlines()[0].split(";")
    assert head[:4] == ["Coorte", "Compradores", "Recompraram", "Taxa de recompra"] and head[4] == "Mês 1"


async def test_csv_export_in_english_keeps_the_keys(client, shop) -> None:
    for params, headers in (({"lang": "en"}, {}), ({}, {"Accept-Language": "en-US,en;q=0.9,pt-BR;q=0.8"})):
        r = await client.get(
            "/api/v1/analytics/reports/state", params={**RANGE, "format": "csv", **params}, headers={**shop, **headers}
        )
        assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=","))
        assert rows[0] == ["key", "orders", "revenue", "aov", "share", "revenue_previous"]
        assert rows[1] == ["RJ", "1", "250.00", "300.00", "0.6250", "0.00"]
    r = await client.get("/api/v1/analytics/reports/funnel", params={**RANGE, "format": "csv", "lang": "en"},
                         headers=shop)  # fmt: skip
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "step" and rows[1][0] == "product_viewed"


async def test_csv_names_order_statuses_and_payment_methods_as_the_admin_does(client, shop) -> None:
    sep = {"pt-BR": ";", "en": ","}

    async def rows(name: str, lang: str) -> list[list[str]]:
        params = {**RANGE, "format": "csv", "lang": lang}
        r = await client.get(f"/api/v1/analytics/reports/{name}", params=params, headers=shop)
        return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=sep[lang]))

    assert [r[0] for r in await rows("status", "pt-BR")] == ["Situação", "Cancelado", "Pago", "Enviado"]
    assert [r[0] for r in await rows("payment_method", "pt-BR")] == ["Item", "Pix", "Cartão de crédito"]
    assert [r[0] for r in await rows("status", "en")] == ["status", "cancelled", "paid", "shipped"]  # en: the codes
    assert [r[0] for r in await rows("payment_method", "en")] == ["key", "pix", "card"]


def test_csv_labels_are_the_admin_labels() -> None:
    from ecovarejo.analytics.exports import PAYMENT_METHODS_PT, STATUSES_PT
    from ecovarejo.orders.lifecycle import STATUSES
    from ecovarejo.web.messages import PT_BR

    assert set(STATUSES_PT) == set(STATUSES)
    assert STATUSES_PT == {s: PT_BR[f"status_{s}"] for s in STATUSES}
    assert PAYMENT_METHODS_PT == {m: PT_BR[f"pay_{m}"] for m in PAYMENT_METHODS_PT}
    # the admin's report table labels the same cells, in English too
    from ecovarejo.web.admin_analytics import value_label

    assert [value_label("status", "status", "paid", lang) for lang in ("pt-BR", "en")] == ["Pago", "Paid"]
    assert [value_label("payment_method", "key", "card", lang) for lang in ("pt-BR", "en")] == [
        "Cartão de crédito", "Credit card"]  # fmt: skip
    assert value_label("state", "key", "SP", "pt-BR") is None


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_text() -> None:
    from datetime import date

    from ecovarejo.analytics.public import Period, Report, to_csv

    p = Period(date(2026, 3, 1), date(2026, 3, 10))
    typed = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "camiseta"]
    report = Report("searches", p, p.previous(), ["query", "searches", "results"], [[q, 1, 0] for q in typed])
    for lang, sep in (("pt-BR", ";"), ("en", ",")):
        rows = list(csv.reader(io.StringIO(to_csv(report, lang).removeprefix("\ufeff")), delimiter=sep))
        assert [r[0] for r in rows[1:]] == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "camiseta"]


async def test_staff_only_tenant_scoped_and_bad_input(client, container, shop) -> None:
    other = await make_tenant(container)
    h_other = {"X-Tenant-ID": str(other), **bearer(token_for(container, other, "admin"))}
    r = await get(client, h_other, "sales")
    assert r["rows"] == [] and r["summary"]["orders"] == 0  # another shop sees none of these facts
    customer = {"X-Tenant-ID": shop["X-Tenant-ID"], **bearer(token_for(container, other, "customer"))}
    r = await client.get("/api/v1/analytics/reports/sales", headers=customer)
    assert r.status_code in (401, 403)
    r = await client.get("/api/v1/analytics/reports/sales", params={"start": "2026-03-10", "end": "2026-03-01"},
                         headers=shop)  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "invalid_range"
    r = await client.get("/api/v1/analytics/reports/sales", params={**RANGE, "grain": "hour"}, headers=shop)
    assert r.status_code == 422 and r.json()["code"] == "invalid_grain"
    r = await client.get("/api/v1/analytics/reports/nope", headers=shop)
    assert r.status_code == 404 and r.json()["code"] == "report_not_found"
    r = await client.get("/api/v1/analytics/reports", headers=shop)
    assert "sustainability" in r.json()["items"]
