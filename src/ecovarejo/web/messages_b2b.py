"""Messages of the B2B and fiscal pages (pt-BR and English), merged into :mod:`.messages`."""

from __future__ import annotations

PT_BR: dict[str, str] = {
    "fiscal_settings": "Impostos (ICMS)",
    "fiscal_help": (
        "Estado de origem, regime tributário e alíquotas internas de ICMS por UF. Venda no mesmo estado: "
        "alíquota interna da origem. Para outro estado: alíquota interestadual (4, 7 ou 12 %) e, para "
        "consumidor final não contribuinte, o DIFAL para o estado de destino. Sem estado de origem, vale a "
        "alíquota interna do destino."
    ),
    "fiscal_origin_state": "Estado de origem (UF)",
    "fiscal_no_origin": "Não informado (alíquota do destino)",
    "fiscal_regime": "Regime tributário",
    "fiscal_regime_regular": "Regime normal (Lucro Presumido ou Real)",
    "fiscal_regime_simples": "Simples Nacional",
    "fiscal_simples_rate": "Parcela de ICMS no DAS (%), Simples Nacional",
    "fiscal_tax_inclusive": "Preços com impostos incluídos",
    "fiscal_state": "UF",
    "fiscal_rate": "Alíquota interna (%)",
    "fiscal_default_rate": "Padrão",
    "fiscal_saved": "Configuração de impostos salva.",
    "invalid_state": "Estado (UF) desconhecido.",
    "invalid_regime": "Regime tributário inválido.",
    "invalid_tax_rate": "Alíquota inválida: use um percentual de 0 a 40, com até 2 casas decimais.",
    "price_rule": "Preço da sua empresa",
    "err_approval_required": (
        "Este pedido passa do seu limite de compra. Peça a aprovação de um aprovador da sua empresa e tente de novo."
    ),
    "err_below_minimum_quantity": "Um item está abaixo da quantidade mínima da tabela de preços da sua empresa.",
    "err_not_a_multiple": "Um item precisa ser comprado em múltiplos da embalagem da tabela de preços.",
}

EN: dict[str, str] = {
    "fiscal_settings": "Taxes (ICMS)",
    "fiscal_help": (
        "Origin state, tax regime and internal ICMS rates per state. A sale within the state pays the "
        "origin's internal rate; to another state, the interstate rate (4, 7 or 12 %) and, for a final "
        "consumer who is not a taxpayer, the DIFAL to the destination state. Without an origin state, the "
        "destination's internal rate applies."
    ),
    "fiscal_origin_state": "Origin state",
    "fiscal_no_origin": "Not set (destination's rate)",
    "fiscal_regime": "Tax regime",
    "fiscal_regime_regular": "Regular regime (Lucro Presumido or Real)",
    "fiscal_regime_simples": "Simples Nacional",
    "fiscal_simples_rate": "ICMS share of the DAS (%), Simples Nacional",
    "fiscal_tax_inclusive": "Prices include taxes",
    "fiscal_state": "State",
    "fiscal_rate": "Internal rate (%)",
    "fiscal_default_rate": "Default",
    "fiscal_saved": "Tax settings saved.",
    "invalid_state": "Unknown state.",
    "invalid_regime": "Invalid tax regime.",
    "invalid_tax_rate": "Invalid rate: use a percentage from 0 to 40 with at most 2 decimals.",
    "price_rule": "Your company's price",
    "err_approval_required": (
        "This order is above your spending limit. Ask an approver in your company, then try again."
    ),
    "err_below_minimum_quantity": "An item is below the minimum quantity of your company's price list.",
    "err_not_a_multiple": "An item must be bought in multiples of the price list's pack.",
}
