"""The fiscal context's public surface: what orders, web, GraphQL and the CLI may call.

- ``await tax_rules(uow, cache) -> TaxRules`` — the tenant's tax settings (the default table when none);
  ``cache`` is the ``RulesCache`` port (``container.ports.get(RulesCache)``), so checkout reads no row.
- ``icms(rules, base=, destination=, taxpayer=, imported_share=) -> TaxBreakdown`` — ICMS and DIFAL of a sale.
- ``await products_fiscal(uow, skus) -> {sku: ProductFiscalView}`` — NCM, CFOP, origin, CEST.
- ``await order_nfe(uow, order_id) -> NfeView | None`` — the order's NF-e (status, access key, documents).
- ``InvoiceSource`` (port, provided by orders) with ``OrderToInvoice`` / ``InvoiceLine``: what the NF-e needs.

Views are frozen dataclasses; no ORM row crosses this boundary.
"""

from __future__ import annotations

from .nfe import NfeView, order_nfe
from .ports import InvoiceLine, InvoiceSource, OrderToInvoice
from .rules import (
    IMPORTED_ORIGINS,
    INTERNAL_RATES,
    REGIMES,
    STATES,
    TaxBreakdown,
    TaxRules,
    icms,
    interstate_rate,
)
from .service import ProductFiscalView, RulesCache, products_fiscal, tax_rules

__all__ = [
    "IMPORTED_ORIGINS",
    "INTERNAL_RATES",
    "REGIMES",
    "STATES",
    "InvoiceLine",
    "InvoiceSource",
    "NfeView",
    "OrderToInvoice",
    "ProductFiscalView",
    "RulesCache",
    "TaxBreakdown",
    "TaxRules",
    "icms",
    "interstate_rate",
    "order_nfe",
    "products_fiscal",
    "tax_rules",
]
