"""Orders on invoiced terms (faturado, docs/b2b.md): the payment method's name, the history reason of an
order confirmed on terms, and the invoice as the order's JSON shows it (the b2b context keeps it)."""

from __future__ import annotations

from typing import Any

from ecovarejo.b2b import public as b2b

#: Invoiced terms (faturado): an approved company's order is confirmed without payment, its invoice split
#: into instalments (boletos) that fall due later.
ON_TERMS = "invoice"
#: The history reason of an order confirmed on invoiced terms (it moves to ``paid`` without a capture).
CONFIRMED_ON_TERMS = "confirmed on invoiced terms"


def invoice_json(inv: b2b.InvoiceView) -> dict[str, Any]:
    """The invoice of an order on terms as the order's JSON shows it."""
    return {
        "id": str(inv.id), "terms": inv.terms, "total": str(inv.total), "status": inv.status,
        "po_number": inv.po_number, "issued_on": inv.issued_on.isoformat(),
        "instalments": [
            {"id": str(p.id), "number": p.number, "amount": str(p.amount), "due_on": p.due_on.isoformat(),
             "status": p.status, "overdue": p.overdue, "boleto_line": p.boleto_line}
            for p in inv.instalments
        ],
    }  # fmt: skip
