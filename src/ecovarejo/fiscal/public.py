"""The fiscal context's public surface: what orders, web, GraphQL and the CLI may call.

- ``await tax_rules(uow, cache) -> TaxRules`` — the tenant's tax settings (the default table when none);
  ``cache`` is the ``RulesCache`` port (``container.ports.get(RulesCache)``), so checkout reads no row.
- ``icms(rules, base=, destination=, taxpayer=, imported_share=) -> TaxBreakdown`` — ICMS and DIFAL of a sale.
- ``pis_cofins(rules, base=, icms_amount=) -> PisCofins`` — PIS/COFINS per the tenant's regime.
- ``await products_fiscal(uow, skus) -> {sku: ProductFiscalView}`` — NCM, CFOP, origin, CEST.
- ``await order_nfe(uow, order_id) -> NfeView | None`` — the order's NF-e (status, access key, documents).
- ``InvoiceSource`` (port, provided by orders) with ``OrderToInvoice`` / ``InvoiceLine`` /
  ``TermsInvoice`` (an order on invoiced terms: its instalments, from the b2b context): what the NF-e needs.

Views are frozen dataclasses; no ORM row crosses this boundary.
"""

from __future__ import annotations

from .nfe import NfeView, order_nfe
from .ports import InvoiceInstalment, InvoiceLine, InvoiceSource, OrderToInvoice, TermsInvoice
from .rules import (
    IMPORTED_ORIGINS,
    INTERNAL_RATES,
    PIS_COFINS_REGIMES,
    REGIMES,
    STATES,
    PisCofins,
    TaxBreakdown,
    TaxRules,
    icms,
    interstate_rate,
    pis_cofins,
)
from .service import ProductFiscalView, RulesCache, products_fiscal, tax_rules

__all__ = [
    "IMPORTED_ORIGINS",
    "INTERNAL_RATES",
    "PIS_COFINS_REGIMES",
    "REGIMES",
    "STATES",
    "InvoiceInstalment",
    "InvoiceLine",
    "InvoiceSource",
    "NfeView",
    "OrderToInvoice",
    "PisCofins",
    "ProductFiscalView",
    "RulesCache",
    "TaxBreakdown",
    "TaxRules",
    "TermsInvoice",
    "icms",
    "interstate_rate",
    "order_nfe",
    "pis_cofins",
    "products_fiscal",
    "tax_rules",
]
