"""Point 8 — proof that card data stays safe. The shop never receives a card number: the browser gives it
to Stripe.js (the Stripe fake's ``/v1/payment_methods``) and the shop stores only the PaymentMethod; a
request carrying a number or a CVV is refused and stores nothing. After a run of card payments through
the API (vault, failover to the Stripe fake, a decline, refunds, webhooks), no Luhn-valid 13-19 digit number and none of
the CVVs used is found in the database (the SQLite file itself, or every table dumped through SQL on
PostgreSQL), in the captured logs, or in the outbox event payloads. A bad webhook signature changes
nothing; a duplicated webhook has one effect."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select, text

from ecovarejo.core.db import Base
from ecovarejo.core.models import OutboxEvent
from ecovarejo.payments import service
from tests.support import bearer, make_tenant, token_for

from .browser import store_card, stripe_payment_method
from .test_webhooks_api import stripe_event, stripe_sig

CARDS = [  # (number as typed, CVV) — 4-digit CVVs so that a stray 3-digit number cannot look like one
    ("4242 4242 4242 4242", "9173"),
    ("5555-5555-5555-4444", "8264"),
    ("378282246310005", "7351"),
    ("6362 9700 0045 7013", "6048"),
    ("4000 0000 0000 0002", "5937"),  # declined
]
# a candidate card number, not part of a longer alphanumeric token: 13-19 digits in a row, or typed in
# groups (4-4-4-4[-3], Amex's 4-6-5)
CANDIDATE = re.compile(
    r"(?<![\w-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5})(?![\w-])"
)


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def findings(text_: str) -> list[str]:
    found = []
    for m in CANDIDATE.finditer(text_):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn(digits):
            found.append(f"luhn-valid number {m.group()!r}")
    for number, cvv in CARDS:
        plain = re.sub(r"\D", "", number)
        if plain in re.sub(r"[ -]", "", text_):
            found.append(f"card number ending {plain[-4:]}")
        # as a value of its own (not a piece of a UUID, a time or a decimal)
        if re.search(rf"(?<![\w.:,-]){cvv}(?![\w-])", text_):
            found.append(f"CVV {cvv}")
    for word in ("cvv", "cvc", "security_code"):
        if re.search(rf"[\"']{word}[\"']\s*:", text_, re.IGNORECASE):
            found.append(f"a {word} field")
    return found


def test_the_scanner_finds_what_it_looks_for() -> None:
    assert findings('{"n": "4242 4242 4242 4242"}') and findings("x=378282246310005;") and findings("cvv 9173.")
    assert findings('{"cvc": "1"}')
    assert not findings("id=01938a7b4c5d6e7f8a9b0c1d2e3f4a5b ts=1764390000 amount=1050.24 tok_Ab3_9xY")
    assert not findings("uuid 0193a8e1-9173-7abc-8264-1234567890ab at 12:09:17.3519")


async def _database_text(container, settings) -> str:
    if settings.effective_database_url.startswith("sqlite"):
        path = Path(settings.effective_database_url.split("///", 1)[1])
        blobs = [p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]
        return "\n".join(b.decode("latin-1") for b in blobs)
    parts = []
    async with container.db.system_session() as s:
        for table in Base.metadata.sorted_tables:
            rows = await s.execute(text(f'SELECT t::text FROM "{table.name}" AS t'))
            parts.extend(r[0] for r in rows)
    return "\n".join(parts)


async def _row_counts(container) -> dict[str, int]:
    out = {}
    async with container.db.system_session() as s:
        for table in Base.metadata.sorted_tables:
            out[table.name] = await s.scalar(select(func.count()).select_from(table))
    return out


async def test_no_card_data_in_database_logs_or_events(wired, client, settings, capfd, caplog, stripe_fake) -> None:
    caplog.set_level("DEBUG")
    tid = await make_tenant(wired)
    h = {"X-Tenant-ID": str(tid)}
    customer = bearer(token_for(wired, tid))
    staff = bearer(token_for(wired, tid, user_type="staff", permissions=("handle_payments",)))
    paid = []
    before_any = await _row_counts(wired)
    for number, cvv in CARDS:  # the shop's API takes no card data, in any field or shape
        for body in (
            {"number": number, "exp_month": 10, "exp_year": 2031, "cvv": cvv},
            {"provider_token": number},
            {"provider_token": "pm_x", "cvc": cvv},
            {"provider_token": "pm_x", "card": {"number": number}},
        ):
            r = await client.post("/api/v1/payments/cards", json=body, headers={**h, **customer})
            assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
            assert "card_number_not_accepted" in r.text and re.sub(r"\D", "", number) not in r.text
    assert await _row_counts(wired) == before_any
    for i, (number, cvv) in enumerate(CARDS):
        pm = await stripe_payment_method(stripe_fake[1], number, exp_month=10, exp_year=2031, cvc=cvv)
        card = await store_card(client, {**h, **customer}, pm)
        r = await client.post(
            "/api/v1/payments/charges",
            json={"card_token": card["token"], "amount": f"{100 + i}.90", "installments": 1 + i},
            headers={**h, **customer, "Idempotency-Key": f"safety-{i}"},
        )
        assert r.status_code in (201, 402), r.text
        if r.status_code == 201:
            paid.append(r.json()["id"])
    assert len(paid) == 4
    r = await client.post(f"/api/v1/payments/{paid[0]}/refunds", json={"amount": "10.00"},
                          headers={**h, **staff, "Idempotency-Key": "safety-refund"})  # fmt: skip
    assert r.status_code == 201

    # webhooks: a bad signature changes nothing; a duplicate has one effect
    async with wired.uow(tid, read_only=True) as uow:
        reference = (await service.get_payment(uow, uuid.UUID(paid[1]))).gateway_reference
    dispute = {"id": "dp_safety", "object": "dispute", "amount": 500, "reason": "fraudulent",
               "status": "needs_response", "payment_intent": reference.split(":")[1]}  # fmt: skip
    body = stripe_event("evt_safety", "charge.dispute.created", dispute)
    before = await _row_counts(wired)
    hook = {**h, "Content-Type": "application/json"}
    bad = await client.post("/api/v1/payments/webhooks/stripe", content=body,
                            headers={**hook, "Stripe-Signature": stripe_sig(body, "whsec_forged")})  # fmt: skip
    assert bad.status_code == 400
    assert await _row_counts(wired) == before
    for _ in range(3):
        ok = await client.post("/api/v1/payments/webhooks/stripe", content=body,
                               headers={**hook, "Stripe-Signature": stripe_sig(body, t=int(time.time()))})  # fmt: skip
        assert ok.status_code == 200
    after = await _row_counts(wired)
    # the dispute's one event may already have reached its consumer (ml labels chargebacks): its inbox row
    # (at most one: the three deliveries are one event) is the only other row allowed
    changed = {t: after[t] - before[t] for t in after if after[t] != before[t] and t != "inbox"}
    assert changed == {"payment_webhook_events": 1, "payment_disputes": 1, "outbox": 1}
    assert after["inbox"] - before["inbox"] in (0, 1)

    # the scan
    async with wired.db.system_session() as s:
        envelopes = [e for (e,) in (await s.execute(select(OutboxEvent.envelope))).all()]
    assert envelopes, "the run emitted events"
    logs = capfd.readouterr()
    sources = {
        "database": await _database_text(wired, settings),
        "logs": logs.out + logs.err + caplog.text,
        "outbox": json.dumps(envelopes),
    }
    assert len(sources["database"]) > 1000
    report = {name: findings(content) for name, content in sources.items()}
    assert report == {"database": [], "logs": [], "outbox": []}
