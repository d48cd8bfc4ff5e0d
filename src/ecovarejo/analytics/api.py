"""``/api/v1/analytics``: the reports (staff with ``view_reports``), as JSON or CSV."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ecovarejo.core.auth import Principal, require_permission
from ecovarejo.core.errors import InvalidInput
from ecovarejo.core.http import get_read_uow
from ecovarejo.core.uow import UnitOfWork

from . import public

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Staff = Annotated[Principal, Depends(require_permission("view_reports"))]


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


#: A cell or headline figure: text, a count, or a decimal amount written as a string (money is never a float).
Cell = str | int | bool | None


class ReportOut(BaseModel):
    """One report over ``start``..``end`` and the same figures over the previous period of equal length."""

    report: str
    start: date
    end: date
    previous_start: date
    previous_end: date
    columns: list[str]
    rows: list[list[Cell]] = Field(description="One list per row, in the order of `columns`.")
    summary: dict[str, Cell]
    summary_previous: dict[str, Cell]
    change: dict[str, float | None] = Field(
        description="Relative change of each numeric headline figure vs the previous period; null when it was 0."
    )


class ReportListOut(BaseModel):
    items: list[str]
    grains: list[str]


REPORT_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report as JSON, or as a CSV or Parquet file (`format`).",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def report_json(r: public.Report) -> dict[str, Any]:
    return {
        "report": r.name,
        "start": r.period.start.isoformat(),
        "end": r.period.end.isoformat(),
        "previous_start": r.previous.start.isoformat(),
        "previous_end": r.previous.end.isoformat(),
        "columns": r.columns,
        "rows": _json(r.rows),
        "summary": _json(r.summary),
        "summary_previous": _json(r.summary_previous),
        "change": r.change(),
    }


@router.get("/reports", summary="The available reports", response_model=ReportListOut)
async def list_reports(_: Staff) -> ReportListOut:
    return ReportListOut(items=list(public.REPORT_NAMES), grains=list(public.GRAINS))


@router.get(
    "/reports/{name}",
    summary="One report over a date range, compared with the previous period",
    response_model=ReportOut,
    responses=REPORT_CONTENT,
)
async def get_report(
    request: Request,
    name: str,
    _: Staff,
    uow: UnitOfWork = Depends(get_read_uow),
    start: date | None = None,
    end: date | None = None,
    grain: str = "day",
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    format: str = "json",
    lang: Annotated[
        str | None,
        Query(
            description="CSV language: pt-BR (labels, `;`, decimal comma) or en (column keys, `,`, decimal "
            "point); default: Accept-Language, then pt-BR."
        ),
    ] = None,
) -> Response:
    if format not in ("json", "csv", "parquet"):
        raise InvalidInput("format is json, csv or parquet", code="invalid_format")
    r = await public.report(uow, name, public.period(start, end), grain=grain, limit=limit)
    if format == "csv":
        filename = f"{r.name}_{r.period.start.isoformat()}_{r.period.end.isoformat()}.csv"
        return Response(
            public.to_csv(r, public.csv_language(lang, request.headers.get("accept-language"))),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{filename}"', "vary": "Accept-Language"},
        )
    if format == "parquet":
        filename = f"{r.name}_{r.period.start.isoformat()}_{r.period.end.isoformat()}.parquet"
        return Response(
            public.to_parquet(r),
            media_type="application/vnd.apache.parquet",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )
    return JSONResponse(report_json(r))
