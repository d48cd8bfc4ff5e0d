"""The orders context's public surface: what analytics, ml, GraphQL, the gateway, web and the CLI may
call. Orders come back as JSON-ready documents (``order_detail``/``list_orders``) or frozen values,
never ORM rows. Everything else in the package is private to it.
"""

from __future__ import annotations

from .authentication import complete_authentication
from .cart import Cart, owner_key
from .checkout import CheckoutRequest, place_order
from .checkout_command import CheckoutCommand, CheckoutResult, checkout
from .contacts import OrderContact, order_contact
from .fraud import CheckoutFacts, Decision, FraudScreen, FraudVerdict, RiskDeclined
from .history import PastLine, PastOrder, import_orders, purchase_history
from .lifecycle import PAID_OR_LATER
from .metrics import business_metrics
from .review import capture_held
from .schemas import CheckoutIn
from .service import (
    Customer,
    OrdersPorts,
    add_to_cart,
    cancel,
    cart_view,
    customer_of,
    list_orders,
    order_detail,
    ports_of,
    refund,
    set_cart_coupons,
    set_cart_quantity,
)
from .views import OrderView

__all__ = [
    "PAID_OR_LATER",
    "Cart",
    "CheckoutCommand",
    "CheckoutFacts",
    "CheckoutIn",
    "CheckoutRequest",
    "CheckoutResult",
    "Customer",
    "Decision",
    "FraudScreen",
    "FraudVerdict",
    "OrderContact",
    "OrderView",
    "OrdersPorts",
    "PastLine",
    "PastOrder",
    "RiskDeclined",
    "add_to_cart",
    "business_metrics",
    "cancel",
    "capture_held",
    "cart_view",
    "checkout",
    "complete_authentication",
    "customer_of",
    "import_orders",
    "list_orders",
    "order_contact",
    "order_detail",
    "owner_key",
    "place_order",
    "ports_of",
    "purchase_history",
    "refund",
    "set_cart_coupons",
    "set_cart_quantity",
]
