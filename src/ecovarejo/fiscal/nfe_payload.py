"""An order's NF-e (model 55) as Focus NFe's JSON: issuer, recipient, items with their ICMS (and DIFAL),
totals, payment and the buyer's purchase-order number.

Missing data that SEFAZ would refuse anyway (no issuer CNPJ, a SKU without NCM, a consumer without CPF)
stops here with :class:`MissingFiscalData`: the note is marked rejected with a message staff can act on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ecovarejo.core.money import quantize

from .ports import OrderToInvoice
from .rules import IMPORTED_ORIGINS, TaxRules, icms, pis_cofins
from .service import ProductFiscalView

ZERO = Decimal("0.00")


class MissingFiscalData(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Recipient:
    """Who the note is for: a company (CNPJ, legal name, state registration) or a person (CPF)."""

    name: str
    cnpj: str | None = None
    cpf: str | None = None
    state_registration: str | None = None

    @property
    def taxpayer(self) -> bool:
        ie = (self.state_registration or "").strip().upper()
        return self.cnpj is not None and bool(ie) and ie != "ISENTO"


def _money(value: Decimal) -> str:
    return str(quantize(value))


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``total`` split in proportion to ``weights``, in centavos, the remainder on the last share (exact)."""
    if not weights:
        return []
    whole = sum(weights, ZERO)
    if total == 0 or whole == 0:
        return [ZERO for _ in weights]
    shares = [quantize(total * w / whole) for w in weights[:-1]]
    return [*shares, quantize(total - sum(shares, ZERO))]


def _cfop(product: ProductFiscalView | None, *, interstate: bool, taxpayer: bool) -> str:
    """5102/6102 (resale of goods bought from third parties); 6108 to a consumer in another state. A
    product's own CFOP keeps its operation and takes the right first digit."""
    if product is not None and product.cfop:
        return ("6" if interstate else "5") + product.cfop[1:]
    if not interstate:
        return "5102"
    return "6102" if taxpayer else "6108"


def _pis_cofins_fields(rules: TaxRules, base: Decimal, icms_amount: Decimal) -> dict[str, Any]:
    """The item's PIS and COFINS: Simples Nacional CST 49 (inside the DAS, no value); the regular regime
    CST 01 with base, rate and value (``PISAliq``/``COFINSAliq`` in the XML)."""
    tax = pis_cofins(rules, base=base, icms_amount=icms_amount)
    if tax.cst != "01":
        return {"pis_situacao_tributaria": tax.cst, "cofins_situacao_tributaria": tax.cst}
    return {
        "pis_situacao_tributaria": tax.cst,
        "pis_base_calculo": _money(tax.base),
        "pis_aliquota_porcentual": str(tax.pis_rate),
        "pis_valor": _money(tax.pis_amount),
        "cofins_situacao_tributaria": tax.cst,
        "cofins_base_calculo": _money(tax.base),
        "cofins_aliquota_porcentual": str(tax.cofins_rate),
        "cofins_valor": _money(tax.cofins_amount),
    }


def _payment(order: OrderToInvoice) -> list[dict[str, Any]]:
    """Paid online (``99``, at sight); on invoiced terms: boletos (``15``), ``indPag`` 1 (a prazo)."""
    if order.terms_invoice is not None:
        return [{"indicador_pagamento": 1, "forma_pagamento": "15", "valor_pagamento": _money(order.total)}]
    return [{"indicador_pagamento": 0, "forma_pagamento": "99", "descricao_pagamento": "Pagamento online",
             "valor_pagamento": _money(order.total)}]  # fmt: skip


def _billing(order: OrderToInvoice) -> dict[str, Any]:
    """``cobr``: the invoice (``fat``: number, original, discount, net) and its instalments (``dup``,
    numbered 001, 002... in due-date order, as SEFAZ's rule for ``nDup`` asks)."""
    inv = order.terms_invoice
    if inv is None:
        return {}
    return {
        "numero_fatura": inv.number[:60],
        "valor_original_fatura": _money(inv.original),
        "valor_desconto_fatura": _money(max(inv.original - inv.net, ZERO)),
        "valor_liquido_fatura": _money(inv.net),
        "duplicatas": [
            {"numero": f"{n:03d}", "data_vencimento": i.due_on.isoformat(), "valor": _money(i.amount)}
            for n, i in enumerate(sorted(inv.instalments, key=lambda i: (i.due_on, i.number)), 1)
        ],
    }


def build_payload(
    order: OrderToInvoice,
    *,
    recipient: Recipient,
    rules: TaxRules,
    products: Mapping[str, ProductFiscalView],
    issuer_cnpj: str | None,
    issued_at: datetime,
) -> dict[str, Any]:
    if not issuer_cnpj:
        raise MissingFiscalData("issuer_not_configured", "set the issuer's CNPJ in the tax settings")
    if not order.lines:
        raise MissingFiscalData("no_items", "the order has no items")
    missing = sorted({line.sku for line in order.lines if line.sku not in products})
    if missing:
        raise MissingFiscalData("missing_ncm", f"no fiscal data (NCM) for {', '.join(missing)}")
    if recipient.cnpj is None and recipient.cpf is None:
        raise MissingFiscalData("missing_buyer_document", "the buyer has no CPF or CNPJ")
    address = order.billing_address or order.shipping_address
    destination = str(order.shipping_address.get("state") or address.get("state") or "").upper() or None
    origin = rules.origin_state or destination
    interstate = origin is not None and destination is not None and origin != destination
    simples = rules.regime == "simples"

    gross = [line.line_total for line in order.lines]
    discounts = allocate(order.discount, gross)
    freights = allocate(order.shipping_cost, gross)
    goods_net = order.subtotal - order.discount + order.shipping_cost
    others = order.total - goods_net
    extra = allocate(others if others > 0 else ZERO, gross)
    items: list[dict[str, Any]] = []
    for n, (line, disc, freight, other) in enumerate(zip(order.lines, discounts, freights, extra, strict=True), 1):
        product = products[line.sku]
        base = line.line_total - disc + freight + other
        item: dict[str, Any] = {
            "numero_item": n,
            "codigo_produto": line.sku,
            "descricao": line.name[:120],
            "codigo_ncm": product.ncm,
            "cfop": _cfop(product, interstate=interstate, taxpayer=recipient.taxpayer),
            "unidade_comercial": "UN",
            "quantidade_comercial": str(line.quantity),
            "valor_unitario_comercial": _money(line.unit_price),
            "valor_bruto": _money(line.line_total),
            "unidade_tributavel": "UN",
            "quantidade_tributavel": str(line.quantity),
            "valor_unitario_tributavel": _money(line.unit_price),
            "valor_desconto": _money(disc),
            "valor_frete": _money(freight),
            "valor_outras_despesas": _money(other),
            "inclui_no_total": 1,
            "icms_origem": product.origin,
        }
        if product.cest:
            item["cest"] = product.cest
        if order.po_number:
            item["pedido_compra"] = order.po_number
            item["numero_item_pedido_compra"] = n
        icms_amount = ZERO
        if simples:
            item["icms_situacao_tributaria"] = "102"
        else:
            tax = icms(
                rules, base=base, destination=destination, taxpayer=recipient.taxpayer,
                imported_share=Decimal(1) if product.origin in IMPORTED_ORIGINS else Decimal(0),
            )  # fmt: skip
            item.update(
                icms_situacao_tributaria="00",
                icms_modalidade_base_calculo=3,
                icms_base_calculo=_money(base),
                icms_aliquota=str(tax.icms_rate),
                icms_valor=_money(tax.icms_amount),
            )
            icms_amount = tax.icms_amount
            if tax.kind == "interstate_consumer":
                item.update(
                    icms_base_calculo_uf_destino=_money(base),
                    icms_aliquota_interna_uf_destino=str(tax.icms_rate + tax.difal_rate),
                    icms_aliquota_interestadual=str(tax.icms_rate),
                    icms_percentual_partilha="100",
                    icms_valor_uf_destino=_money(tax.difal_amount),
                    icms_valor_uf_remetente="0.00",
                    fcp_percentual_uf_destino="0",
                    fcp_valor_uf_destino="0.00",
                )
        item.update(_pis_cofins_fields(rules, base, icms_amount))
        items.append(item)

    body: dict[str, Any] = {
        "natureza_operacao": "Venda de mercadoria",
        "data_emissao": issued_at.isoformat(timespec="seconds"),
        "tipo_documento": 1,
        "finalidade_emissao": 1,
        "local_destino": 2 if interstate else 1,
        "consumidor_final": 0 if recipient.taxpayer else 1,
        "presenca_comprador": 2,
        "cnpj_emitente": issuer_cnpj,
        "nome_destinatario": recipient.name[:60],
        "logradouro_destinatario": str(address.get("street") or "")[:60],
        "numero_destinatario": str(address.get("number") or "S/N")[:60],
        "bairro_destinatario": str(address.get("district") or "Centro")[:60],
        "municipio_destinatario": str(address.get("city") or "")[:60],
        "uf_destinatario": str(address.get("state") or "").upper(),
        "cep_destinatario": "".join(ch for ch in str(address.get("postal_code") or "") if ch.isdigit()),
        "pais_destinatario": "Brasil",
        "modalidade_frete": 0,
        "valor_produtos": _money(order.subtotal),
        "valor_desconto": _money(order.discount),
        "valor_frete": _money(order.shipping_cost),
        "valor_outras_despesas": _money(others if others > 0 else ZERO),
        "valor_total": _money(order.total),
        "formas_pagamento": _payment(order),
        "informacoes_adicionais_contribuinte": f"Pedido {order.number}"
        + (f" - Pedido de compra (PO) {order.po_number}" if order.po_number else ""),
        "items": items,
    }
    body.update(_billing(order))
    if address.get("complement"):
        body["complemento_destinatario"] = str(address["complement"])[:60]
    if order.email:
        body["email_destinatario"] = order.email
    if recipient.cnpj is not None:
        body["cnpj_destinatario"] = recipient.cnpj
        if recipient.taxpayer:
            body["inscricao_estadual_destinatario"] = recipient.state_registration
            body["indicador_inscricao_estadual_destinatario"] = 1
        elif (recipient.state_registration or "").strip().upper() == "ISENTO":
            body["indicador_inscricao_estadual_destinatario"] = 2
        else:
            body["indicador_inscricao_estadual_destinatario"] = 9
    else:
        body["cpf_destinatario"] = recipient.cpf
        body["indicador_inscricao_estadual_destinatario"] = 9
    return body
