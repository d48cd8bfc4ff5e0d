"""Demo data for the ml context: the fraud screen's history of the demo orders, with a planted fraud
ring (new accounts sharing a few cards, ordering at night, medium-high totals, charged back), so the
fraud model has labels to learn from and a pattern the rules only half see.

Written into the ml context's own table from the orders the demo history left (read through the
orders service); deterministic for a tenant.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from ecovarejo.core.db import new_id
from ecovarejo.core.uow import UnitOfWork

from . import data, fraud
from . import repository as repo
from .models import FraudAssessment

RING_ACCOUNTS = 30
RING_CARDS = 4
RING_ORDERS = 120


def _assessment(
    f: fraud.Features, user: uuid.UUID, total: float, at: datetime, label: int | None, order_id: uuid.UUID
) -> dict[str, Any]:
    """An assessment row (columns) for one bulk ``INSERT``: thousands of ORM objects cost seconds."""
    score, reasons = fraud.rules(f)
    return {
        "id": new_id(), "order_id": order_id, "order_number": None, "user_id": user, "card_hash": None,
        "ip_hash": None, "total_cents": int(total * 100), "score": round(score, 4), "decision": "approve",
        "reasons": list(reasons), "features": f.values, "model_version": None, "review_status": None,
        "reviewed_by": None, "reviewed_at": None, "label": label, "created_at": at,
    }  # fmt: skip


async def plant_fraud_history(uow: UnitOfWork, now: datetime) -> int:
    """One assessment per demo purchase (legitimate once settled) plus the ring's; once per tenant."""
    assert uow.tenant_id is not None
    ring = f"ecovarejo-demo-ring:{uow.tenant_id}"
    accounts = [uuid.uuid5(uuid.NAMESPACE_URL, f"{ring}:{i}") for i in range(RING_ACCOUNTS)]
    # the demo seed's own checkouts are assessed too: the ring's accounts mark that this ran already
    done = select(func.count()).select_from(FraudAssessment).where(FraudAssessment.user_id.in_(accounts))
    if await uow.session.scalar(done):
        return 0
    rng = random.Random(uow.tenant_id.int % 2**32)
    purchases = sorted(await data._purchases(uow, 200_000), key=lambda o: o["created_at"])
    seen: dict[str, list[datetime]] = {}
    rows = []
    for o in purchases:
        at = datetime.fromisoformat(o["created_at"])
        user = o["user_id"]
        before = seen.setdefault(user, [])
        total = float(o["total_amount"])
        addr = o.get("billing_address") or {}
        f = fraud.features(
            total=total, past_orders=len(before), user_24h=sum(1 for b in before if at - b < timedelta(days=1)),
            card_24h=sum(1 for b in before if at - b < timedelta(days=1)), ip_24h=0,
            card_accounts_30d=1 if rng.random() < 0.03 else 0, ip_accounts_30d=0,
            shipping_state=str(o.get("shipping_address", {}).get("state") or "SP"),
            billing_state=addr.get("state") if rng.random() < 0.9 else rng.choice(["RJ", "MG", "BA"]),
            email="cliente@mailinator.com" if rng.random() < 0.02 else "cliente@example.com",
            max_quantity=max((int(i["quantity"]) for i in o["items"]), default=1), lines=len(o["items"]),
            at=at, card=True,
        )  # fmt: skip
        before.append(at)
        settled = at < now - timedelta(days=30)
        rows.append(_assessment(f, uuid.UUID(user), total, at, 0 if settled else None, uuid.UUID(o["id"])))
    if purchases:
        start = datetime.fromisoformat(purchases[0]["created_at"])
        span = max(1.0, (now - timedelta(days=31) - start).total_seconds())
        for _ in range(RING_ORDERS):
            at = start + timedelta(seconds=rng.uniform(0, span))
            at = at.replace(hour=rng.choice([5, 6, 7, 8]))  # 2-5 h in São Paulo
            total = rng.uniform(350, 950)
            f = fraud.features(
                total=total, past_orders=rng.choice([0, 0, 1]), user_24h=rng.randint(0, 2), card_24h=rng.randint(1, 3),
                ip_24h=0, card_accounts_30d=rng.randint(1, RING_CARDS), ip_accounts_30d=0, shipping_state="SP",
                billing_state=rng.choice(["SP", "SP", "RJ"]), email="cliente@example.com",
                max_quantity=rng.randint(2, 5), lines=rng.randint(1, 2), at=at, card=True,
            )  # fmt: skip
            # the ring's orders were charged back: their ids are not the shop's orders any more
            rows.append(_assessment(f, rng.choice(accounts), total, at, 1, uuid.UUID(int=rng.getrandbits(128))))
    await repo.insert_assessments(uow, rows)
    return len(rows)
