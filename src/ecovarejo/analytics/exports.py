"""Reports as CSV files a spreadsheet opens: UTF-8 with BOM, ``;`` separators and decimal commas
(what Excel and LibreOffice expect under pt-BR), ISO dates; a header row of the report's columns.
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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text


def to_csv(report: Report) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(report.columns)
    for row in report.rows:
        w.writerow([_cell(v) for v in row])
    return out.getvalue()
