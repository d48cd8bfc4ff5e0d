"""Where the analytics context keeps personal data (LGPD): see :mod:`ecovarejo.core.personal_data`.

Order facts are tied to the buyer's (anonymised on erasure) account id like the orders they mirror,
and keep the destination state with the fiscal record. Behaviour events carry only a keyed pseudonym
(never an IP address), recorded only with analytics consent; ``user.erased`` deletes a user's events.
"""

from __future__ import annotations

from ecovarejo.core.personal_data import FISCAL_LAW, Basis, Category, Erasure, Field, PersonalData, PersonalTable

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
    ),
    not_personal={
        "analytics_order_lines": {"name": "a product's name"},
        "analytics_daily_lines": {"name": "a product's or category's name (daily rollup)"},
        "analytics_monthly_lines": {"name": "a product's name (monthly rollup)"},
        "analytics_checkpoints": {"name": "a job's name (backfill)"},
    },
)
