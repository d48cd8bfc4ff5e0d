"""The fraud-screening port of checkout. The ml context implements it; the composition root plugs it
in (orders sits below ml). Without a screen, checkout approves every order as before."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol

from ecovarejo.core.errors import DomainError
from ecovarejo.core.uow import UnitOfWork

Decision = Literal["approve", "hold", "decline"]


@dataclass(frozen=True)
class CheckoutFacts:
    """What checkout knows about an attempt. ``payment_source`` and ``client_ip`` are only hashed."""

    user_id: uuid.UUID
    email: str | None
    total: Decimal
    lines: int
    max_quantity: int
    shipping_state: str
    billing_state: str | None
    payment_method: str
    payment_source: str
    at: datetime
    client_ip: str | None = None


@dataclass(frozen=True)
class FraudVerdict:
    score: float
    decision: Decision
    reasons: tuple[str, ...]
    #: What the screen needs to record the assessment later (opaque to orders).
    token: object = None


def facts_for(
    *,
    user_id: uuid.UUID,
    email: str | None,
    total: Decimal,
    quantities: list[int],
    shipping_state: str,
    billing_address: dict[str, object] | None,
    payment_method: str,
    payment_source: str,
    at: datetime,
    client_ip: str | None = None,
) -> CheckoutFacts:
    billing = (billing_address or {}).get("state")
    return CheckoutFacts(
        user_id=user_id,
        email=email,
        total=total,
        lines=len(quantities),
        max_quantity=max(quantities, default=0),
        shipping_state=shipping_state,
        billing_state=str(billing) if billing else None,
        payment_method=payment_method,
        payment_source=payment_source,
        at=at,
        client_ip=client_ip,
    )


class FraudScreen(Protocol):
    async def assess(self, uow: UnitOfWork, facts: CheckoutFacts) -> FraudVerdict: ...

    async def record(
        self, uow: UnitOfWork, verdict: FraudVerdict, order_id: uuid.UUID | None, order_number: str | None
    ) -> None: ...


class RiskDeclined(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "the order could not be accepted; please contact the shop", code="order_declined_risk", status=402
        )
