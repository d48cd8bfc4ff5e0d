"""Where the orders context keeps personal data (LGPD): see :mod:`ecovarejo.core.personal_data`.

On erasure an order keeps only what tax law requires (amounts, items, taxes, the destination state
for ICMS, dates), tied to the anonymised account; contact, name and addresses are anonymised.
"""

from __future__ import annotations

from ecovarejo.core.personal_data import FISCAL_LAW, Basis, Category, Erasure, Field, PersonalData, PersonalTable

ORDER = "until erasure; fiscal fields 5 years after the sale"
FISCAL = "5 years after the sale (fiscal records)"


def _fiscal(column: str, category: Category = Category.FINANCIAL) -> Field:
    return Field(column, category, Basis.LEGAL_OBLIGATION, FISCAL, Erasure.KEEP, law=FISCAL_LAW, purpose="tax records")


DECLARATION = PersonalData(
    context="orders",
    tables=(
        PersonalTable(
            "orders",
            "user_id",
            (
                Field(
                    "email",
                    Category.CONTACT,
                    Basis.CONTRACT,
                    ORDER,
                    Erasure.NULL,
                    purpose="order updates",
                    encrypted=True,
                ),
                Field(
                    "first_name",
                    Category.IDENTIFICATION,
                    Basis.CONTRACT,
                    ORDER,
                    Erasure.NULL,
                    purpose="order updates",
                    encrypted=True,
                ),
                Field("shipping_address", Category.ADDRESS, Basis.CONTRACT, ORDER, purpose="delivery", encrypted=True),
                Field(
                    "billing_address",
                    Category.ADDRESS,
                    Basis.CONTRACT,
                    ORDER,
                    Erasure.NULL,
                    purpose="billing",
                    encrypted=True,
                ),
                Field("notes", Category.BEHAVIOURAL, Basis.CONTRACT, ORDER, Erasure.NULL, purpose="delivery notes"),
                Field("tracking_code", Category.BEHAVIOURAL, Basis.CONTRACT, ORDER, Erasure.NULL, purpose="tracking"),
                Field("tracking_url", Category.BEHAVIOURAL, Basis.CONTRACT, ORDER, Erasure.NULL, purpose="tracking"),
                _fiscal("order_number"),
                _fiscal("status"),
                _fiscal("subtotal"),
                _fiscal("discount_amount"),
                _fiscal("loyalty_discount"),
                _fiscal("tax_amount"),
                _fiscal("shipping_cost"),
                _fiscal("total_amount"),
                _fiscal("refunded_amount"),
                _fiscal("shipping_state", Category.ADDRESS),
                _fiscal("created_at"),
            ),
            description="orders placed by the customer",
        ),
        PersonalTable(
            "order_items",
            None,
            tuple(_fiscal(c, Category.BEHAVIOURAL) for c in ("sku", "name", "quantity", "unit_price", "line_total")),
            via=("order_id", "orders", "user_id"),
            description="what the customer bought",
        ),
        PersonalTable(
            "order_status_history",
            None,
            (
                # what staff or the customer typed when the order moved (a cancellation's or refund's reason)
                Field("reason", Category.BEHAVIOURAL, Basis.CONTRACT, ORDER, Erasure.NULL, purpose="order history"),
                _fiscal("to_status"),
                _fiscal("created_at"),
            ),
            via=("order_id", "orders", "user_id"),
            description="how the customer's orders moved, and why",
        ),
        PersonalTable(
            "coupon_redemptions",
            "user_id",
            (_fiscal("amount"), _fiscal("order_id", Category.BEHAVIOURAL)),
            description="coupons used",
        ),
    ),
)
