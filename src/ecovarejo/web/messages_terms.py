"""Messages of the invoiced-terms (faturado) pages (pt-BR and English), merged into :mod:`.messages`."""

from __future__ import annotations

PT_BR: dict[str, str] = {
    "pay_invoice": "Faturado (boletos a prazo)",
    "company_address_tag": "endereço da empresa",
    "company_addresses": "Endereços da empresa",
    "company_addresses_help": (
        "Endereços de entrega de {company}: todos os compradores da empresa podem escolhê-los no checkout. "
        "Só os administradores da empresa os incluem ou removem."
    ),
    "company_addresses_no_company": "Sua conta não pertence a uma empresa.",
    "err_company_admin_required": "Só os administradores da empresa podem fazer isso.",
    "err_too_many_addresses": "A empresa já tem o máximo de 50 endereços.",
    "err_invalid_cep": "CEP inválido: use 8 dígitos, como 01310-100.",
    "terms_available": "Crédito disponível da sua empresa: {available} (prazo {terms} dias).",
    "invoices": "Faturas",
    "invoice_of": "Fatura do pedido {order}",
    "terms_days": "Prazo {terms} dias",
    "instalment": "Parcela",
    "due_on": "Vencimento",
    "credit_limit": "Limite de crédito",
    "open_balance": "Saldo em aberto",
    "available_credit": "Disponível",
    "overdue_amount": "Vencido",
    "not_on_terms": "Sua empresa ainda não está aprovada para compras faturadas. Fale com a loja.",
    "no_invoices": "Nenhuma fatura ainda.",
    "instalment_status_open": "Em aberto",
    "instalment_status_paid": "Paga",
    "instalment_status_overdue": "Vencida",
    "invoice_status_open": "Em aberto",
    "invoice_status_paid": "Quitada",
    "instalment_status_cancelled": "Cancelada",
    "invoice_status_cancelled": "Cancelada",
    "fiscal_pis_cofins": "PIS/COFINS no regime normal",
    "fiscal_pis_cofins_cumulative": "Cumulativo (Lucro Presumido): PIS 0,65 %, COFINS 3 %",
    "fiscal_pis_cofins_non_cumulative": "Não cumulativo (Lucro Real): PIS 1,65 %, COFINS 7,6 %",
    "invalid_pis_cofins": "Escolha o regime de PIS/COFINS: cumulativo ou não cumulativo.",
    "credit_terms_title": "Faturado (prazo e crédito)",
    "terms_help": (
        "Aprove empresas para comprar faturado: prazo de 30, 30/60 ou 30/60/90 dias e um limite de crédito. "
        "O saldo em aberto são as parcelas não pagas; uma parcela vencida bloqueia novos pedidos faturados."
    ),
    "terms_company_cnpj": "CNPJ da empresa",
    "terms_choice": "Prazo (dias)",
    "terms_active": "Faturado ativo (desmarque para suspender)",
    "terms_saved": "Prazo e limite salvos.",
    "terms_suspended": "Suspenso",
    "terms_approved": "Aprovado",
    "company": "Empresa",
    "err_credit_limit_exceeded": (
        "Este pedido passa do crédito disponível da sua empresa para compras faturadas. Pague parcelas em "
        "aberto, reduza o pedido ou escolha outra forma de pagamento."
    ),
    "err_invoice_overdue": (
        "Sua empresa tem uma parcela vencida: novos pedidos faturados ficam bloqueados até o pagamento."
    ),
    "err_terms_not_approved": "Sua empresa não está aprovada para compras faturadas.",
    "err_invalid_terms": "Prazo inválido: use 30, 30/60 ou 30/60/90 dias.",
    "err_invalid_credit_limit": "Limite de crédito inválido: informe um valor em reais maior que zero.",
    "err_company_not_found": "Nenhuma empresa cadastrada com este CNPJ.",
}

EN: dict[str, str] = {
    "pay_invoice": "Invoiced (boletos on terms)",
    "company_address_tag": "company address",
    "company_addresses": "Company addresses",
    "company_addresses_help": (
        "Delivery addresses of {company}: every buyer of the company can pick them at checkout. Only the "
        "company's administrators add or remove them."
    ),
    "company_addresses_no_company": "Your account does not belong to a company.",
    "err_company_admin_required": "Only the company's administrators can do this.",
    "err_too_many_addresses": "The company already has the maximum of 50 addresses.",
    "err_invalid_cep": "Invalid CEP: use 8 digits, like 01310-100.",
    "terms_available": "Your company's available credit: {available} ({terms} days).",
    "invoices": "Invoices",
    "invoice_of": "Invoice of order {order}",
    "terms_days": "{terms} days",
    "instalment": "Instalment",
    "due_on": "Due on",
    "credit_limit": "Credit limit",
    "open_balance": "Open balance",
    "available_credit": "Available",
    "overdue_amount": "Overdue",
    "not_on_terms": "Your company is not approved for invoiced purchases yet. Please contact the shop.",
    "no_invoices": "No invoices yet.",
    "instalment_status_open": "Open",
    "instalment_status_paid": "Paid",
    "instalment_status_overdue": "Overdue",
    "invoice_status_open": "Open",
    "invoice_status_paid": "Settled",
    "instalment_status_cancelled": "Cancelled",
    "invoice_status_cancelled": "Cancelled",
    "fiscal_pis_cofins": "PIS/COFINS under the regular regime",
    "fiscal_pis_cofins_cumulative": "Cumulative (Lucro Presumido): PIS 0.65 %, COFINS 3 %",
    "fiscal_pis_cofins_non_cumulative": "Non-cumulative (Lucro Real): PIS 1.65 %, COFINS 7.6 %",
    "invalid_pis_cofins": "Choose the PIS/COFINS regime: cumulative or non-cumulative.",
    "credit_terms_title": "Invoiced terms and credit",
    "terms_help": (
        "Approve companies to buy on invoiced terms: 30, 30/60 or 30/60/90 days and a credit limit. The open "
        "balance is the unpaid instalments; an overdue instalment blocks new orders on terms."
    ),
    "terms_company_cnpj": "Company CNPJ",
    "terms_choice": "Terms (days)",
    "terms_active": "Invoiced terms active (untick to suspend)",
    "terms_saved": "Terms and limit saved.",
    "terms_suspended": "Suspended",
    "terms_approved": "Approved",
    "company": "Company",
    "err_credit_limit_exceeded": (
        "This order is above your company's available credit for invoiced purchases. Pay open instalments, "
        "reduce the order or choose another payment method."
    ),
    "err_invoice_overdue": "Your company has an overdue instalment: new invoiced orders are blocked until it is paid.",
    "err_terms_not_approved": "Your company is not approved for invoiced purchases.",
    "err_invalid_terms": "Invalid terms: use 30, 30/60 or 30/60/90 days.",
    "err_invalid_credit_limit": "Invalid credit limit: enter an amount in reais above zero.",
    "err_company_not_found": "No company account with this CNPJ.",
}
