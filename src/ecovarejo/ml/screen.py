"""The fraud screen plugged into checkout (the orders context's ``FraudScreen`` port), and the review
queue of held orders."""

from __future__ import annotations

import ipaddress
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ecovarejo.core.auth import Principal
from ecovarejo.core.container import Container
from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import Conflict, InvalidInput, NotFound
from ecovarejo.core.money import from_cents, quantize
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.orders import public as orders
from ecovarejo.orders.public import CheckoutFacts, Decision, FraudVerdict
from ecovarejo.payments.public import TEST_CARDS

from . import fraud
from . import repository as repo
from .models import FraudAssessment, FraudPolicy
from .registry import ModelStore

#: Push payments (Pix, boleto) reach the shop before anything ships and cannot be charged back.
PUSH_METHODS = frozenset({"pix", "boleto"})
DEFAULT_HOLD_AT, DEFAULT_DECLINE_AT = 0.6, 0.9


@dataclass(frozen=True)
class _Pending:
    user_id: uuid.UUID
    card_hash: str | None
    ip_hash: str | None
    total_cents: int
    features: dict[str, float]
    model_version: int | None


@dataclass(frozen=True)
class Thresholds:
    hold_at: float
    decline_at: float


class MlFraudScreen:
    """Rules always; the tenant's promoted model when there is one. Thresholds cached per process."""

    def __init__(self, store: ModelStore, salt: str, *, ttl: float = 30.0) -> None:
        self.store = store
        self.salt = salt
        self.ttl = ttl
        self._policies: dict[uuid.UUID, tuple[float, Thresholds]] = {}

    async def thresholds(self, uow: UnitOfWork) -> Thresholds:
        assert uow.tenant_id is not None
        hit = self._policies.get(uow.tenant_id)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        row = await repo.policy(uow)
        t = Thresholds(row.hold_at, row.decline_at) if row else Thresholds(DEFAULT_HOLD_AT, DEFAULT_DECLINE_AT)
        self._policies[uow.tenant_id] = (time.monotonic(), t)
        return t

    def forget(self, tenant_id: uuid.UUID) -> None:
        self._policies.pop(tenant_id, None)

    async def assess(self, uow: UnitOfWork, facts: CheckoutFacts) -> FraudVerdict:
        assert uow.tenant_id is not None
        salt = f"{self.salt}:{uow.tenant_id}"
        card = facts.payment_method not in PUSH_METHODS
        source = facts.payment_source.replace(" ", "").replace("-", "")
        # the sandbox's published test cards are everyone's (every demo account, every test): no identity
        card_hash = fraud.salted(facts.payment_source, salt) if card and source not in TEST_CARDS else None
        ip_hash = fraud.salted(facts.client_ip, salt) if _routable(facts.client_ip) else None
        user_24h, card_24h, ip_24h, card_accts, ip_accts, past = await repo.velocity(
            uow, facts.user_id, card_hash, ip_hash, facts.at - timedelta(days=1), facts.at - timedelta(days=30)
        )
        f = fraud.features(
            total=float(facts.total), past_orders=past, user_24h=user_24h, card_24h=card_24h, ip_24h=ip_24h,
            card_accounts_30d=card_accts, ip_accounts_30d=ip_accts,
            shipping_state=facts.shipping_state, billing_state=facts.billing_state, email=facts.email,
            max_quantity=facts.max_quantity, lines=facts.lines, at=facts.at, card=card,
        )  # fmt: skip
        rule_score, reasons = fraud.rules(f)
        model = await self.store.get(uow.tenant_id, "fraud")
        version = None
        score = rule_score
        if isinstance(model, ScoredModel):
            score, version = model.model.score(f), model.version
        t = await self.thresholds(uow)
        decision: Decision = "decline" if score >= t.decline_at else "hold" if score >= t.hold_at else "approve"
        if not card:
            decision = "approve"
        pending = _Pending(facts.user_id, card_hash, ip_hash, int(quantize(facts.total) * 100), f.values, version)
        return FraudVerdict(round(score, 4), decision, reasons, pending)

    async def record(
        self, uow: UnitOfWork, verdict: FraudVerdict, order_id: uuid.UUID | None, order_number: str | None
    ) -> None:
        p = verdict.token
        assert isinstance(p, _Pending)
        repo.add(
            uow,
            FraudAssessment(
                order_id=order_id,
                order_number=order_number,
                user_id=p.user_id,
                card_hash=p.card_hash,
                ip_hash=p.ip_hash,
                total_cents=p.total_cents,
                score=verdict.score,
                decision=verdict.decision,
                reasons=list(verdict.reasons),
                features=p.features,
                model_version=p.model_version,
                review_status="pending" if verdict.decision == "hold" and order_id else None,
                label=1 if verdict.decision == "decline" else None,
            ),
        )
        await uow.flush()


def _routable(ip: str | None) -> bool:
    """A loopback address is the shop's own machine or a proxy forwarding without its header (every buyer
    would look like one): no identity, as the sandbox's test cards."""
    if not ip:
        return False
    try:
        return not ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


@dataclass
class ScoredModel:
    """The fraud artifact: the flattened trees and the registry version they were promoted as."""

    model: fraud.FraudModel
    version: int


# --------------------------------------------------------------------------- review queue


def assessment_view(a: FraudAssessment) -> dict[str, Any]:
    return {
        "id": str(a.id),
        "order_id": str(a.order_id) if a.order_id else None,
        "order_number": a.order_number,
        "user_id": str(a.user_id),
        "total": str(from_cents(a.total_cents)),
        "score": a.score,
        "decision": a.decision,
        "reasons": list(a.reasons or []),
        "review_status": a.review_status,
        "reviewed_by": a.reviewed_by,
        "reviewed_at": a.reviewed_at.isoformat() if a.reviewed_at else None,
        "created_at": a.created_at.isoformat(),
    }


async def queue(uow: UnitOfWork, status: str = "pending", limit: int = 50) -> list[dict[str, Any]]:
    if status not in ("pending", "approved", "rejected"):
        raise InvalidInput("status must be pending, approved or rejected", code="invalid_status")
    return [assessment_view(a) for a in await repo.review_queue(uow, status, limit)]


async def decide(
    container: Container, tenant_id: uuid.UUID, order_id: uuid.UUID, *, approve: bool, principal: Principal
) -> dict[str, Any]:
    """Approve (the payment is captured, the order continues) or reject (cancelled: stock back,
    authorization voided). The decision is the training label. Only one reviewer wins."""
    actor = str(principal.user_id)
    async with container.uow(tenant_id, actor=actor) as uow:
        a = await repo.assessment_for_order(uow, order_id)
        if a is None or a.review_status is None:
            raise NotFound("no held order with this id", code="review_not_found")
        if not await repo.claim_review(uow, a.id, "approved" if approve else "rejected", actor, utcnow()):
            raise Conflict("this order was already reviewed", code="already_reviewed")
        await uow.commit()
    if approve:
        return await orders.capture_held(container, tenant_id, order_id, actor=f"staff:{actor}")
    return await orders.cancel(
        container, tenant_id, order_id, principal=principal, reason="rejected in fraud review", as_admin=True
    )


async def set_thresholds(uow: UnitOfWork, hold_at: float, decline_at: float) -> Thresholds:
    if not 0 < hold_at <= decline_at <= 1:
        raise InvalidInput("thresholds must satisfy 0 < hold_at <= decline_at <= 1", code="invalid_thresholds")
    row = await repo.policy(uow)
    if row is None:
        repo.add(uow, FraudPolicy(hold_at=hold_at, decline_at=decline_at))
    else:
        row.hold_at, row.decline_at = hold_at, decline_at
    await uow.flush()
    return Thresholds(hold_at, decline_at)
