"""Where the payments context keeps personal data (LGPD): see :mod:`ecovarejo.core.personal_data`.

Payments are tied to orders, not to people: the amounts and the card's last digits are financial
records kept under the anti-money-laundering and tax rules. Stored idempotent checkout responses
(names, addresses) are deleted on erasure.
"""

from __future__ import annotations

from ecovarejo.core.personal_data import Basis, Category, Erasure, Field, PersonalData, PersonalTable

AML = "Lei 9.613/1998 art. 10 (payment records kept 5 years)"
FIVE_YEARS = "5 years after the payment"

DECLARATION = PersonalData(
    context="payments",
    tables=(
        PersonalTable(
            "payments",
            None,
            tuple(
                Field(
                    c, Category.FINANCIAL, Basis.LEGAL_OBLIGATION, FIVE_YEARS, Erasure.KEEP, law=AML, purpose="payment"
                )
                for c in (
                    "method",
                    "card_last4",
                    "amount",
                    "captured_amount",
                    "refunded_amount",
                    "status",
                    "created_at",
                )
            ),
            via=("order_id", "orders", "user_id"),
            description="payments of the customer's orders",
        ),
        PersonalTable(
            "idempotency_keys",
            "scope",
            (
                Field(
                    "response_body",
                    Category.IDENTIFICATION,
                    Basis.CONTRACT,
                    "48 hours",
                    Erasure.NULL,
                    export=False,
                    purpose="replaying a retried checkout",
                ),
            ),
            subject_format="user:{id}",
            delete_rows=True,
            retention_days=2,
            description="stored responses of retried checkouts (names, addresses)",
        ),
        PersonalTable(
            "payment_webhook_events",
            None,
            (
                Field(
                    "payload",
                    Category.FINANCIAL,
                    Basis.LEGAL_OBLIGATION,
                    FIVE_YEARS,
                    Erasure.KEEP,
                    law=AML,
                    export=False,
                    purpose="proof of the provider's notification",
                ),
            ),
            description="providers' notifications as received (may name the payer)",
        ),
        PersonalTable(
            "payment_vault_tokens",
            None,
            tuple(
                Field(
                    c,
                    Category.FINANCIAL,
                    Basis.CONTRACT,
                    "until the card expires",
                    Erasure.KEEP,
                    law="PCI DSS 3.5 (vaulted card); not tied to a person in this table",
                    export=False,
                    encrypted=c == "ciphertext",
                )
                for c in ("ciphertext", "last4", "brand", "exp_month", "exp_year")
            ),
            description="tokenised cards (PAN encrypted; not tied to a person in this table)",
        ),
    ),
    not_personal={"payment_reconciliations": {"source_name": "the settlement report's file name"}},
    shared_with={
        "payment providers (Stripe, PagSeguro, Mercado Pago)": "name, e-mail, CPF and the amount, to authorise "
        "and settle the payment (LGPD art. 7 V); card numbers go straight to the provider's tokenisation",
    },
)
