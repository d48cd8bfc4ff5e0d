"""The boleto as a PDF the payer prints or opens in the bank's app: beneficiary, payer, amount, due
date, the linha digitável and the barcode in ITF (Interleaved 2 of 5, the FEBRABAN standard for the
44-digit code). Drawn with fpdf2 (pure Python; its ``interleaved2of5`` draws the bars)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from . import boleto


@dataclass(frozen=True)
class BoletoDocument:
    line: str
    amount: Decimal
    due: date
    beneficiary: str
    payer: str
    reference: str


def _brl(value: Decimal) -> str:
    text = f"{value:,.2f}"
    return "R$ " + text.replace(",", "X").replace(".", ",").replace("X", ".")


def render(doc: BoletoDocument) -> bytes:
    """The PDF's bytes; the barcode is the one the line stands for (its check digits verified)."""
    code = boleto.barcode_from_line(doc.line)
    from fpdf import FPDF  # with PIL and numpy: ~0.3 s of a worker's start, only for boletos

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(f"Boleto {doc.reference}")
    pdf.set_author(doc.beneficiary)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 14)
    pdf.cell(0, 8, f"{doc.beneficiary} - Boleto", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 10)
    rows = (
        ("Beneficiário", doc.beneficiary),
        ("Pagador", doc.payer),
        ("Referência", doc.reference),
        ("Vencimento", doc.due.strftime("%d/%m/%Y")),
        ("Valor do documento", _brl(doc.amount)),
    )
    for label, value in rows:
        pdf.set_font("helvetica", "B", 10)
        pdf.cell(50, 7, label)
        pdf.set_font("helvetica", "", 10)
        pdf.cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("courier", "B", 12)
    pdf.cell(0, 8, doc.line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.interleaved2of5(code, x=pdf.l_margin, y=pdf.get_y(), w=0.33, h=13)
    pdf.set_y(pdf.get_y() + 16)
    pdf.set_font("helvetica", "", 8)
    pdf.multi_cell(0, 4, "Pague em qualquer banco, lotérica ou no aplicativo do seu banco até o vencimento.")
    return bytes(pdf.output())
