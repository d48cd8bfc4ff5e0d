"""Reconciliation: a provider's settlement report (CSV) against our ledger.

Each report line is matched to our payment by the provider's id. Results: **matched** (same gross),
**amount mismatches** (our captured − refunded differs from the report's gross), **missing in the
ledger** (the provider settled something we have no record of), **missing in the report** (we captured
something the provider did not settle), and the **fees** the provider took. Amounts are exact Decimals.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rich.table import Table

from ecovarejo.core.errors import InvalidInput
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork

from . import ext_repository as xrepo
from .ext_models import Reconciliation

#: Column names of each provider's report: (reference, gross, fee, net). Stripe's payout reconciliation
#: report, Mercado Pago's settlement report and PagBank's EDI extract (as CSV).
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "stripe": (("payment_intent_id", "source_id"), ("gross",), ("fee",), ("net",)),
    "mercadopago": (("SOURCE_ID",), ("TRANSACTION_AMOUNT",), ("FEE_AMOUNT",),
                    ("SETTLEMENT_NET_AMOUNT", "NET_CREDIT_AMOUNT")),
    "pagseguro": (("charge_id", "codigo_transacao"), ("gross_amount", "valor_bruto"), ("fee_amount", "valor_taxa"),
                  ("net_amount", "valor_liquido")),
}  # fmt: skip
MAX_LINES = 100_000


@dataclass(frozen=True)
class ReportLine:
    reference: str
    gross: Decimal
    fee: Decimal
    net: Decimal


@dataclass
class Result:
    provider: str
    matched: list[dict[str, str]] = field(default_factory=list)
    mismatches: list[dict[str, str]] = field(default_factory=list)
    missing_in_ledger: list[dict[str, str]] = field(default_factory=list)
    missing_in_report: list[dict[str, str]] = field(default_factory=list)
    fees: Decimal = Decimal("0.00")

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "matched": self.matched,
            "mismatches": self.mismatches,
            "missing_in_ledger": self.missing_in_ledger,
            "missing_in_report": self.missing_in_report,
            "fees": str(self.fees),
            "summary": {
                "matched": len(self.matched),
                "mismatches": len(self.mismatches),
                "missing_in_ledger": len(self.missing_in_ledger),
                "missing_in_report": len(self.missing_in_report),
                "fees": str(self.fees),
            },
        }


def _money(raw: str, line_no: int, column: str) -> Decimal:
    text = raw.strip().replace("R$", "").strip()
    if "," in text and "." not in text:  # "1234,56" (pt-BR)
        text = text.replace(",", ".")
    try:
        return quantize(Decimal(text or "0"))
    except InvalidOperation as exc:
        raise InvalidInput(f"line {line_no}: {column} is not an amount", code="invalid_report") from exc


def parse_report(provider: str, text: str) -> list[ReportLine]:
    if provider not in COLUMNS:
        raise InvalidInput(f"unknown provider {provider}", code="unknown_provider")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = set(reader.fieldnames or [])

    def pick(names: tuple[str, ...]) -> str:
        for n in names:
            if n in header:
                return n
        raise InvalidInput(f"the report has no column {' / '.join(names)}", code="invalid_report")

    ref_c, gross_c, fee_c, net_c = (pick(names) for names in COLUMNS[provider])
    lines = []
    for i, row in enumerate(reader, start=2):
        if i > MAX_LINES:
            raise InvalidInput("the report is too long", code="invalid_report")
        reference = (row.get(ref_c) or "").strip()
        if not reference:
            continue
        gross, fee = _money(row.get(gross_c) or "", i, gross_c), abs(_money(row.get(fee_c) or "", i, fee_c))
        net = _money(row.get(net_c) or "", i, net_c)
        lines.append(ReportLine(reference, gross, fee, net))
    return lines


async def reconcile(uow: UnitOfWork, provider: str, text: str, *, source_name: str) -> tuple[Result, Reconciliation]:
    """Compare the report with our ledger and keep the outcome (flushes one ``Reconciliation`` row)."""
    lines = parse_report(provider, text)
    ours = {
        (p.gateway_reference or "").removeprefix(f"{provider}:"): p
        for p in await xrepo.captured_payments(uow, provider)
    }
    result = Result(provider)
    seen: set[str] = set()
    for ln in lines:
        result.fees += ln.fee
        seen.add(ln.reference)
        found = ours.get(ln.reference)
        if found is None:
            result.missing_in_ledger.append({"reference": ln.reference, "gross": str(ln.gross)})
            continue
        expected = found.captured_amount - found.refunded_amount
        item = {"reference": ln.reference, "payment_id": str(found.id), "ledger": str(expected),
                "report": str(ln.gross), "fee": str(ln.fee), "net": str(ln.net)}  # fmt: skip
        (result.matched if expected == ln.gross else result.mismatches).append(item)
    for ref, p in ours.items():
        if ref not in seen:
            result.missing_in_report.append(
                {"reference": ref, "payment_id": str(p.id), "ledger": str(p.captured_amount - p.refunded_amount)}
            )
    row = Reconciliation(
        provider=provider,
        source_name=source_name[:255],
        matched=len(result.matched),
        missing_in_ledger=len(result.missing_in_ledger),
        missing_in_report=len(result.missing_in_report),
        mismatches=len(result.mismatches),
        fees=result.fees,
        report=result.as_dict(),
    )
    xrepo.add_reconciliation(uow, row)
    await uow.flush()
    return result, row


def rich_table(result: Result) -> Table:
    table = Table("result", "reference", "ledger", "report", "fee", title=f"Reconciliation — {result.provider}")
    for kind, style, items in (
        ("matched", "green", result.matched),
        ("mismatch", "yellow", result.mismatches),
        ("missing in ledger", "red", result.missing_in_ledger),
        ("missing in report", "red", result.missing_in_report),
    ):
        for it in items:
            table.add_row(
                f"[{style}]{kind}[/]",
                it["reference"],
                it.get("ledger", ""),
                it.get("report", it.get("gross", "")),
                it.get("fee", ""),
            )
    table.caption = (
        f"{len(result.matched)} matched · {len(result.mismatches)} mismatched · "
        f"{len(result.missing_in_ledger)} missing in ledger · {len(result.missing_in_report)} missing in report · "
        f"fees {result.fees}"
    )
    return table
