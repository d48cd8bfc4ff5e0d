"""The fiscal context's personal data (LGPD): see :mod:`ecovarejo.core.personal_data`.

Tax settings and products' fiscal data hold none. An order's NF-e names its buyer: the XML, the DANFE
and the correction letter carry the recipient's name, CPF or CNPJ and address, as the law requires. A
fiscal document cannot be altered nor dropped while the tax authority may audit it: erasure keeps them
(de-linked from the account), for the legal period.
"""

from __future__ import annotations

from ecovarejo.core.personal_data import FISCAL_LAW, Basis, Category, Erasure, Field, PersonalData, PersonalTable

KEPT = "5 years after the sale (fiscal records)"

DECLARATION = PersonalData(
    context="fiscal",
    tables=(
        PersonalTable(
            "fiscal_nfe",
            "user_id",
            (
                Field(
                    "xml",
                    Category.IDENTIFICATION,
                    Basis.LEGAL_OBLIGATION,
                    KEPT,
                    Erasure.KEEP,
                    law=FISCAL_LAW,
                    purpose="the NF-e: recipient's name, CPF/CNPJ and address",
                ),
                Field(
                    "danfe",
                    Category.IDENTIFICATION,
                    Basis.LEGAL_OBLIGATION,
                    KEPT,
                    Erasure.KEEP,
                    law=FISCAL_LAW,
                    purpose="the NF-e's printed form (DANFE)",
                ),
                Field(
                    "cancel_xml",
                    Category.FINANCIAL,
                    Basis.LEGAL_OBLIGATION,
                    KEPT,
                    Erasure.KEEP,
                    law=FISCAL_LAW,
                    purpose="the cancellation event",
                ),
                Field(
                    "cce_xml",
                    Category.IDENTIFICATION,
                    Basis.LEGAL_OBLIGATION,
                    KEPT,
                    Erasure.KEEP,
                    law=FISCAL_LAW,
                    purpose="the correction letter (CC-e)",
                ),
                Field(
                    "cce_pdf",
                    Category.IDENTIFICATION,
                    Basis.LEGAL_OBLIGATION,
                    KEPT,
                    Erasure.KEEP,
                    law=FISCAL_LAW,
                    purpose="the correction letter's printed form",
                ),
                Field(
                    "cce_text",
                    Category.IDENTIFICATION,
                    Basis.LEGAL_OBLIGATION,
                    KEPT,
                    Erasure.KEEP,
                    law=FISCAL_LAW,
                    purpose="what the correction letter says (may name the recipient)",
                ),
                Field(
                    "po_number",
                    Category.FINANCIAL,
                    Basis.LEGAL_OBLIGATION,
                    KEPT,
                    Erasure.KEEP,
                    law=FISCAL_LAW,
                    purpose="the buyer's purchase-order number, printed on the NF-e",
                ),
            ),
            description="the NF-e of each paid order",
        ),
    ),
    not_personal={
        "fiscal_tax_settings": {"document": "the shop's tax settings (origin state, regime, ICMS rates, issuer CNPJ)"},
        "fiscal_nfe": {"error": "the provider's message about the note's data", "chave": "the note's access key"},
    },
    shared_with={
        "the NF-e provider (Focus NFe) and SEFAZ": "the buyer's name, CPF or CNPJ, state registration, address "
        "and e-mail, and what was sold, to issue the NF-e (legal obligation, LGPD art. 7 II)",
    },
)
