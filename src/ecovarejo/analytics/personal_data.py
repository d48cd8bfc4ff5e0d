"""Where the analytics context keeps personal data (LGPD): see :mod:`ecovarejo.core.personal_data`.

Order facts are tied to the buyer's (anonymised on erasure) account id like the orders they mirror,
and keep the destination state with the fiscal record. Behaviour events carry only a keyed pseudonym
(never an IP address), recorded only with analytics consent; ``user.erased`` deletes a user's events. The
export finds a signed-in customer's events by that pseudonym (the privacy context holds the key).
"""

from __future__ import annotations

from ecovarejo.core.personal_data import FISCAL_LAW, Basis, Category, Erasure, Field, PersonalData, PersonalTable

BEHAVIOUR = "while the analytics consent stands; deleted with the account"

DECLARATION = PersonalData(
    context="analytics",
    tables=(
        PersonalTable(
            "analytics_orders",
            "user_id",
            (
                Field(
                    "state",
                    Category.ADDRESS,
                    Basis.LEGAL_OBLIGATION,
                    "5 years after the sale (fiscal records)",
                    Erasure.KEEP,
                    law=FISCAL_LAW,
                    purpose="sales by state",
                ),
            ),
            description="the customer's orders, as the sales reports count them",
        ),
        PersonalTable(
            "analytics_customers",
            "user_id",
            (),
            description="the customer's first paid order, paid orders and revenue (new vs returning, cohorts)",
        ),
        PersonalTable(
            "analytics_customer_months",
            "user_id",
            (),
            description="the customer's paid orders per month (distinct customers, cohort activity)",
        ),
        PersonalTable(
            "analytics_behaviour",
            "visitor",
            tuple(
                Field(c, Category.BEHAVIOURAL, Basis.CONSENT, BEHAVIOUR, purpose="shop analytics (with consent)")
                for c in ("at", "kind", "product", "query", "results", "source")
            ),
            pseudonymous="u",
            delete_rows=True,
            description="what the customer did in the shop while signed in (product views, searches, cart, "
            "checkout), recorded under a keyed pseudonym with their analytics consent",
        ),
    ),
    not_personal={
        "analytics_order_lines": {"name": "a product's name"},
        "analytics_daily_lines": {"name": "a product's or category's name (daily rollup)"},
        "analytics_monthly_lines": {"name": "a product's name (monthly rollup)"},
        "analytics_checkpoints": {"name": "a job's name (backfill)"},
    },
)
