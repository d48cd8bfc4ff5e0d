"""Where the ml context keeps personal data (LGPD): see :mod:`ecovarejo.core.personal_data`.

Fraud assessments tie a score to an account; the card and the IP are only salted hashes (never the
values). Trained models hold no personal field: recommendation artifacts keep pseudonymous account
ids, dropped at the next training after an erasure.
"""

from __future__ import annotations

from ecovarejo.core.personal_data import Basis, Category, Erasure, Field, PersonalData, PersonalTable

FRAUD = "2 years after the order (fraud prevention, chargeback window)"

DECLARATION = PersonalData(
    context="ml",
    tables=(
        PersonalTable(
            "ml_fraud_assessments",
            "user_id",
            (
                Field(
                    "card_hash",
                    Category.FINANCIAL,
                    Basis.CREDIT_PROTECTION,
                    FRAUD,
                    Erasure.NULL,
                    purpose="card velocity and cards shared between accounts",
                ),
                Field(
                    "ip_hash",
                    Category.NETWORK,
                    Basis.CREDIT_PROTECTION,
                    FRAUD,
                    Erasure.NULL,
                    purpose="accounts sharing a network",
                ),
                Field(
                    "features",
                    Category.BEHAVIOURAL,
                    Basis.CREDIT_PROTECTION,
                    FRAUD,
                    Erasure.ANONYMISE,
                    purpose="fraud score inputs",
                ),
                Field(
                    "score",
                    Category.BEHAVIOURAL,
                    Basis.CREDIT_PROTECTION,
                    FRAUD,
                    Erasure.ANONYMISE,
                    purpose="fraud score",
                ),
                Field(
                    "reasons",
                    Category.BEHAVIOURAL,
                    Basis.CREDIT_PROTECTION,
                    FRAUD,
                    Erasure.ANONYMISE,
                    purpose="why the order was held",
                ),
            ),
            description="fraud scores of the customer's checkouts and staff reviews",
        ),
    ),
    not_personal={"ml_models": {"name": "the model's name (recommendations, fraud), not a person's"}},
)
