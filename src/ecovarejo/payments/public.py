"""The payments context's public surface: what orders, GraphQL, web and the CLI may call.

Payments come back as frozen :class:`PaymentView` values, never ORM rows. Everything else in the
package is private to it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.uow import UnitOfWork

from . import service
from .authentication import (
    AUTHENTICATION_FAILED,
    AUTHENTICATION_WINDOW,
    Authentication,
    find_authentication,
    needs_authentication,
    record_pending_authentication,
    settle_authentication,
)
from .boleto_pdf import BoletoDocument
from .boleto_pdf import render as boleto_pdf
from .card_form import CardForm, card_form, checkout_plan, csp_sources, installment_policy, pix_location_base
from .cards import InstallmentOption, InstallmentPolicy
from .gateway import GatewayError, GatewayResult, GatewayTimeout, PaymentGateway
from .history import PastPayment, import_payments
from .idempotency import REPLAY_HEADER, IdempotencyStore, fingerprint
from .instant import Payer, charge_order
from .instant import instructions_for_payments as payment_instructions
from .models import Payment
from .order_ledger import OrderBook, OrderMoney, PayableOrder, order_money
from .sandbox import TEST_CARDS, Challenge, SandboxGateway
from .service import (
    PaymentDeclined,
    PaymentUnavailable,
    ensure_card_owner,
    gateway_authorize,
    gateway_capture,
    gateway_of,
    payment_by_authorization_key,
    record_capture,
    stale_authorizations,
    void,
)
from .term_boletos import IssuedBoleto, cancel_term_boleto, issue_term_boleto

__all__ = [
    "AUTHENTICATION_FAILED",
    "AUTHENTICATION_WINDOW",
    "REPLAY_HEADER",
    "TEST_CARDS",
    "Authentication",
    "BoletoDocument",
    "CardForm",
    "Challenge",
    "GatewayError",
    "GatewayResult",
    "GatewayTimeout",
    "IdempotencyStore",
    "InstallmentOption",
    "InstallmentPolicy",
    "IssuedBoleto",
    "OrderBook",
    "OrderMoney",
    "PastPayment",
    "PayableOrder",
    "Payer",
    "PaymentDeclined",
    "PaymentGateway",
    "PaymentUnavailable",
    "PaymentView",
    "answer_sandbox_challenge",
    "boleto_pdf",
    "cancel_term_boleto",
    "card_form",
    "charge_order",
    "checkout_plan",
    "csp_sources",
    "ensure_card_owner",
    "find_authentication",
    "fingerprint",
    "gateway_authorize",
    "gateway_capture",
    "gateway_of",
    "get_payment",
    "import_payments",
    "installment_policy",
    "issue_term_boleto",
    "needs_authentication",
    "order_money",
    "payment_by_authorization_key",
    "payment_instructions",
    "payments_for_order",
    "pix_location_base",
    "record_authorization",
    "record_capture",
    "record_pending_authentication",
    "refund",
    "sandbox_challenge",
    "settle_authentication",
    "stale_authorizations",
    "void",
]


@dataclass(frozen=True)
class PaymentView:
    id: uuid.UUID
    order_id: uuid.UUID | None
    gateway: str
    gateway_reference: str | None
    method: str
    card_last4: str | None
    currency: str
    amount: Decimal
    authorized_amount: Decimal
    captured_amount: Decimal
    refunded_amount: Decimal
    status: str
    failure_code: str | None

    @classmethod
    def of(cls, p: Payment) -> PaymentView:
        return cls(
            id=p.id,
            order_id=p.order_id,
            gateway=p.gateway,
            gateway_reference=p.gateway_reference,
            method=p.method,
            card_last4=p.card_last4,
            currency=p.currency,
            amount=p.amount,
            authorized_amount=p.authorized_amount,
            captured_amount=p.captured_amount,
            refunded_amount=p.refunded_amount,
            status=p.status,
            failure_code=p.failure_code,
        )


async def record_authorization(
    uow: UnitOfWork,
    result: GatewayResult,
    *,
    gateway: str,
    amount: Decimal,
    currency: str,
    method: str,
    source: str,
    idempotency_key: str,
    order_id: uuid.UUID | None = None,
    actor: str | None = None,
    payment_id: uuid.UUID | None = None,
) -> PaymentView:
    """The payment and its ``authorize`` transaction (a decline is recorded too: it is history)."""
    payment = await service.record_authorization(
        uow,
        result,
        gateway=gateway,
        amount=amount,
        currency=currency,
        method=method,
        source=source,
        idempotency_key=idempotency_key,
        order_id=order_id,
        actor=actor,
        payment_id=payment_id,
    )
    return PaymentView.of(payment)


async def get_payment(uow: UnitOfWork, payment_id: uuid.UUID) -> PaymentView:
    return PaymentView.of(await service.get_payment(uow, payment_id))


async def payments_for_order(uow: UnitOfWork, order_id: uuid.UUID) -> list[PaymentView]:
    return [PaymentView.of(p) for p in await service.payments_for_order(uow, order_id)]


async def refund(
    container: Container,
    tenant_id: uuid.UUID,
    payment_id: uuid.UUID,
    amount: Decimal,
    *,
    key: str,
    actor: str | None = None,
) -> dict[str, Any]:
    """Refund ``amount`` of a captured payment exactly once per ``key``; the refund transaction's summary."""
    row = await service.refund(container, tenant_id, payment_id, amount, key=key, actor=actor)
    return {"id": str(row.id), "amount": str(row.amount), "status": row.status}


def sandbox_challenge(container: Container, reference: str) -> Challenge | None:
    """The sandbox issuer's 3-D Secure challenge of ``reference`` (``None``: the sandbox is not the gateway,
    or it asked no such challenge)."""
    gateway = gateway_of(container)
    return gateway.challenge(reference) if isinstance(gateway, SandboxGateway) else None


def answer_sandbox_challenge(container: Container, reference: str, *, approve: bool) -> Challenge | None:
    """The shopper passes (``approve``) or fails the sandbox's challenge; the shop learns the outcome from
    the gateway's ``status`` on the return (never from the page)."""
    gateway = gateway_of(container)
    return gateway.answer_challenge(reference, approve=approve) if isinstance(gateway, SandboxGateway) else None
