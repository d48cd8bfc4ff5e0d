"""Cards through the vault and the failover gateway (Stripe fake first), installments, Pix, boleto,
refunds, reconciliation over HTTP and from the CLI."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

from sqlalchemy import select
from typer.testing import CliRunner

from ecovarejo.payments import service
from ecovarejo.payments.ext_models import VaultToken
from tests.support import bearer, make_tenant, token_for

from .browser import store_card, stripe_payment_method


async def _setup(container):
    tid = await make_tenant(container)
    customer = bearer(token_for(container, tid))
    staff = bearer(token_for(container, tid, user_type="staff", permissions=("handle_payments",)))
    return tid, {"X-Tenant-ID": str(tid)}, customer, staff


async def _charge(client, h, customer, stripe_url, number="4242 4242 4242 4242", amount="300.00", installments=1,
                  key=None):  # fmt: skip
    # the browser gives the number to Stripe.js (the Stripe fake) and the shop only the PaymentMethod
    card = await store_card(client, {**h, **customer}, await stripe_payment_method(stripe_url, number, cvc="9173"))
    r = await client.post(
        "/api/v1/payments/charges",
        json={"card_token": card["token"], "amount": amount, "installments": installments},
        headers={**h, **customer, "Idempotency-Key": key or uuid.uuid4().hex},
    )
    return card, r


async def test_card_charge_through_vault_and_failover(wired, client, stripe_fake) -> None:
    fake, _ = stripe_fake
    _tid, h, customer, _staff = await _setup(wired)
    card, r = await _charge(client, h, customer, stripe_fake[1], amount="1000.00", installments=4, key="order-1")
    assert set(card) == {"token", "last4", "brand", "exp_month", "exp_year"} and card["last4"] == "4242"
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["status"], body["installments"], body["installment_amount"], body["total"]) == (
        "captured", 4, "262.56", "1050.24"
    )  # fmt: skip
    assert body["card"] == {"last4": "4242", "brand": "visa"} and body["gateway"] == "failover"
    sent = [q for q in fake.requests if q["path"] == "/v1/payment_intents"][-1]
    assert sent["form"]["amount"] == "105024"
    assert sent["form"]["payment_method"].startswith("pm_")  # Stripe's own token, never card data
    assert not any(k.startswith("payment_method_data") for k in sent["form"])
    # replay: same response, no second charge
    again = await client.post(
        "/api/v1/payments/charges",
        json={"card_token": card["token"], "amount": "1000.00", "installments": 4},
        headers={**h, **customer, "Idempotency-Key": "order-1"},
    )
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == body["id"]
    # a declined card: 402 with the reason, recorded as failed
    _, declined = await _charge(client, h, customer, stripe_fake[1], number="4000 0000 0000 0002", amount="10.00")
    assert declined.status_code == 402 and declined.json()["decline_code"] == "generic_decline"
    # bad input: a token Stripe does not know; no sign-in
    r = await client.post("/api/v1/payments/cards", json={"provider_token": "pm_unknown"}, headers={**h, **customer})
    assert r.status_code == 422 and r.json()["code"] == "invalid_provider_token", r.text
    r = await client.post("/api/v1/payments/cards", json={"provider_token": "pm_unknown"}, headers=h)
    assert r.status_code == 401


async def test_refunds_full_partial_idempotent_and_bounded(wired, client, stripe_fake) -> None:
    _tid, h, customer, staff = await _setup(wired)
    _, r = await _charge(client, h, customer, stripe_fake[1], amount="100.00")
    pid = r.json()["id"]
    url = f"/api/v1/payments/{pid}/refunds"
    r1 = await client.post(url, json={"amount": "30.00"}, headers={**h, **staff, "Idempotency-Key": "r1"})
    assert r1.status_code == 201 and r1.json()["payment"]["refunded_amount"] == "30.00"
    r1b = await client.post(url, json={"amount": "30.00"}, headers={**h, **staff, "Idempotency-Key": "r1"})
    assert r1b.headers["Idempotent-Replayed"] == "true"
    over = await client.post(url, json={"amount": "70.01"}, headers={**h, **staff, "Idempotency-Key": "r2"})
    assert over.status_code == 409 and over.json()["code"] == "refund_exceeds_capture"
    rest = await client.post(url, json={}, headers={**h, **staff, "Idempotency-Key": "r3"})
    assert rest.status_code == 201 and rest.json()["refund"]["amount"] == "70.00"
    assert rest.json()["payment"]["status"] == "refunded"
    none_left = await client.post(url, json={}, headers={**h, **staff, "Idempotency-Key": "r4"})
    assert none_left.status_code == 409
    forbidden = await client.post(url, json={}, headers={**h, **customer, "Idempotency-Key": "r5"})
    assert forbidden.status_code == 403
    d = await client.get(f"/api/v1/payments/{pid}/disputes", headers={**h, **staff})
    assert d.status_code == 200 and d.json() == {"items": []}


async def test_installments_pix_and_boleto(wired, client) -> None:
    _tid, h, customer, _ = await _setup(wired)
    r = await client.get("/api/v1/payments/installments", params={"amount": "60.00", "interest_free": 12}, headers=h)
    assert [o["count"] for o in r.json()["options"]] == list(range(1, 13))
    assert r.json()["options"][2] == {"count": 3, "installment": "20.00", "first_installment": "20.00",
                                      "total": "60.00", "interest_free": True, "monthly_rate": "0"}  # fmt: skip
    assert (await client.get("/api/v1/payments/installments", params={"amount": "-1"}, headers=h)).status_code == 422
    r = await client.post(
        "/api/v1/payments/pix", json={"amount": "19.90", "expires_in_minutes": 10}, headers={**h, **customer}
    )
    assert r.status_code == 201
    pix = r.json()
    assert pix["payload"].startswith("000201010212") and "540519.90" in pix["payload"]
    r = await client.post("/api/v1/payments/boletos", json={"amount": "150.00", "due_date": "2099-01-01"},
                          headers={**h, **customer})  # fmt: skip
    assert r.status_code == 422  # beyond the due-date factor
    r = await client.post("/api/v1/payments/boletos", json={"amount": "150.00", "due_date": "2030-01-10"},
                          headers={**h, **customer})  # fmt: skip
    assert r.status_code == 201 and len(r.json()["barcode"]) == 44


async def test_reconciliation_api_and_cli(wired, client, stripe_fake, settings, tmp_path) -> None:
    tid, h, customer, staff = await _setup(wired)
    refs = []
    for amount in ("100.00", "50.00", "25.00"):
        _, r = await _charge(client, h, customer, stripe_fake[1], amount=amount)
        async with wired.uow(tid, read_only=True) as uow:
            refs.append((await service.get_payment(uow, uuid.UUID(r.json()["id"]))).gateway_reference.split(":", 1)[1])
    csv_text = (
        "payment_intent_id,gross,fee,net,currency\n"
        f"{refs[0]},100.00,3.99,96.01,brl\n"
        f"{refs[1]},49.00,1.99,47.01,brl\n"
        "pi_stranger,10.00,0.50,9.50,brl\n"
    )
    r = await client.post("/api/v1/payments/reconciliations", params={"provider": "stripe"}, content=csv_text,
                          headers={**h, **staff, "Content-Type": "text/csv"})  # fmt: skip
    assert r.status_code == 201, r.text
    rep = r.json()
    assert rep["summary"] == {
        "matched": 1,
        "mismatches": 1,
        "missing_in_ledger": 1,
        "missing_in_report": 1,
        "fees": "6.48",
    }
    assert rep["mismatches"][0]["ledger"] == "50.00" and rep["mismatches"][0]["report"] == "49.00"
    assert rep["missing_in_report"][0]["reference"] == refs[2]
    bad = await client.post("/api/v1/payments/reconciliations", params={"provider": "stripe"}, content="a,b\n1,2\n",
                            headers={**h, **staff, "Content-Type": "text/csv"})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_report"
    assert (await client.post("/api/v1/payments/reconciliations", params={"provider": "stripe"}, content=csv_text,
                              headers={**h, **customer})).status_code == 403  # fmt: skip
    # the CLI, on the same database
    from ecovarejo.cli import app
    from ecovarejo.core import settings as core_settings

    f = tmp_path / "report.csv"
    f.write_text(csv_text)
    env = {"ECOVAREJO_DATABASE_URL": settings.database_url, "ECOVAREJO_DATA_DIR": str(settings.data_dir),
           "ECOVAREJO_LOG_LEVEL": "WARNING"}  # fmt: skip
    core_settings.get_settings.cache_clear()
    try:
        args = ["payments", "reconcile", str(f), "--provider", "stripe", "--tenant", str(tid)]
        res = await asyncio.to_thread(CliRunner().invoke, app, args, env=env)  # the CLI runs its own loop
    finally:
        core_settings.get_settings.cache_clear()
    assert res.exit_code == 1, res.output  # differences found
    flat = " ".join(res.output.split())
    assert "1 matched · 1 mismatched · 1 missing in ledger · 1 missing in report · fees 6.48" in flat
    assert "Reconciliation — stripe" in flat and refs[2] in flat


async def test_tenant_setting_orders_the_providers(wired, client, mp_fake, stripe_fake) -> None:
    from sqlalchemy import update

    from ecovarejo.core.models import Tenant

    tid, h, customer, _ = await _setup(wired)
    async with wired.db.system_session() as s:
        await s.execute(
            update(Tenant).where(Tenant.id == tid).values(settings={"payment_providers": ["mercadopago", "stripe"]})
        )
        await s.commit()
    # the tenant puts Mercado Pago first, but a stored card is a Stripe PaymentMethod: only Stripe can
    # charge it (a provider's token is never carried to another provider)
    mp_calls = len(mp_fake[0].requests)
    _, r = await _charge(client, h, customer, stripe_fake[1], amount="42.00")
    assert r.status_code == 201, r.text
    async with wired.uow(tid, read_only=True) as uow:
        reference = (await service.get_payment(uow, uuid.UUID(r.json()["id"]))).gateway_reference
    assert reference.startswith("stripe:")
    assert len(mp_fake[0].requests) == mp_calls
    # and with the tenant's order, failover still reaches the provider the source names
    from ecovarejo.core.tenancy import current_tenant

    gateway = service.gateway_of(wired)
    reset = current_tenant.set(tid)
    try:
        assert await gateway.order_for(tid) == ["mercadopago", "stripe"]
    finally:
        current_tenant.reset(reset)


async def test_checkout_style_source_with_a_vault_token(wired, client, stripe_fake) -> None:
    """The checkout passes a string source: a vault token is detokenized inside payments (audited) and
    its provider's token is sent to that provider; an unknown token is a decline."""
    from ecovarejo.core.tenancy import current_tenant
    from ecovarejo.payments import ext_repository

    tid, h, _, _ = await _setup(wired)
    customer_id = str(uuid.uuid4())
    customer = bearer(token_for(wired, tid, user_id=uuid.UUID(customer_id)))
    pm = await stripe_payment_method(stripe_fake[1], "5555 5555 5555 4444", exp_month=3, exp_year=2032)
    token = (await store_card(client, {**h, **customer}, pm))["token"]
    assert token.startswith("vtok_")
    gateway = service.gateway_of(wired)
    reset = current_tenant.set(tid)
    try:
        ok = await gateway.authorize(amount=Decimal("15.00"), currency="BRL", source=token, idempotency_key=f"co-{tid}")
        unknown = await gateway.authorize(
            amount=Decimal("1"), currency="BRL", source="vtok_nope", idempotency_key=f"co2-{tid}"
        )
    finally:
        current_tenant.reset(reset)
    assert ok.ok and ok.reference.startswith("stripe:")
    sent = [q for q in stripe_fake[0].requests if q["path"] == "/v1/payment_intents"][-1]["form"]
    # the stored card is charged as Stripe reuses one: the PaymentMethod with the Customer it was attached to
    assert sent["payment_method"] == pm and not any(k.startswith("payment_method_data") for k in sent)
    fake = stripe_fake[0]
    assert fake.methods[pm][1]["customer"] == sent["customer"] and sent["customer"].startswith("cus_")
    assert fake.customers[sent["customer"]]["metadata"] == {"ecovarejo_customer": customer_id}
    assert (unknown.ok, unknown.code) == (False, "invalid_card_token")
    async with wired.uow(tid, read_only=True) as uow:
        audit = [(a.purpose, a.actor) for a in await ext_repository.accesses(uow, token)]
    assert audit == [("authorize (checkout)", "system:payments")]


async def test_open_disputes_lower_what_can_be_refunded(wired, client, stripe_fake) -> None:
    from ecovarejo.payments import refunds

    tid, h, customer, staff = await _setup(wired)
    _, r = await _charge(client, h, customer, stripe_fake[1], amount="100.00")
    pid = uuid.UUID(r.json()["id"])
    async with wired.uow(tid, read_only=True) as uow:
        reference = (await service.get_payment(uow, pid)).gateway_reference
    async with wired.uow(tid) as uow:
        await refunds.record_dispute(uow, provider="stripe", dispute_id="dp_x", reference=reference.split(":")[1],
                                     amount=Decimal("20.00"), reason="fraudulent", status="open")  # fmt: skip
        await uow.commit()
    rest = await client.post(
        f"/api/v1/payments/{pid}/refunds", json={}, headers={**h, **staff, "Idempotency-Key": "d1"}
    )
    assert rest.status_code == 201 and rest.json()["refund"]["amount"] == "80.00"
    d = await client.get(f"/api/v1/payments/{pid}/disputes", headers={**h, **staff})
    assert [(x["dispute_id"], x["amount"], x["status"]) for x in d.json()["items"]] == [("dp_x", "20.00", "open")]


async def test_a_stored_stripe_card_is_charged_again_and_again(wired, client, stripe_fake) -> None:
    """Stripe reuses a PaymentMethod only when it is attached to a Customer (its fake enforces it, as
    Stripe does): storing a card attaches it, so the same stored card pays a second and a third time; a
    PaymentMethod already spent without a Customer cannot be stored (422, nothing kept)."""
    fake, url = stripe_fake
    tid, h, customer, _ = await _setup(wired)
    card = await store_card(client, {**h, **customer}, await stripe_payment_method(url, "4242 4242 4242 4242"))
    for amount in ("10.00", "20.00", "30.00"):
        r = await client.post(
            "/api/v1/payments/charges",
            json={"card_token": card["token"], "amount": amount},
            headers={**h, **customer, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert r.status_code == 201 and r.json()["status"] == "captured", r.text
    customers = {q["form"]["customer"] for q in fake.requests if q["path"] == "/v1/payment_intents"}
    assert len(customers) == 1 and customers.pop().startswith("cus_")
    # a PaymentMethod charged once without a Customer (a one-off checkout) is spent for Stripe
    spent = await stripe_payment_method(url, "5555 5555 5555 4444")
    gateway = service.gateway_of(wired)
    from ecovarejo.core.tenancy import current_tenant

    reset = current_tenant.set(tid)
    try:
        once = await gateway.authorize(
            amount=Decimal("5.00"), currency="BRL", source=spent, idempotency_key=f"one-{tid}"
        )
    finally:
        current_tenant.reset(reset)
    assert once.ok, once
    r = await client.post("/api/v1/payments/cards", json={"provider_token": spent}, headers={**h, **customer})
    assert r.status_code == 422 and r.json()["code"] == "invalid_provider_token", r.text
    async with wired.uow(tid, read_only=True) as uow:
        kept = list(await uow.session.scalars(select(VaultToken.last4)))
    assert kept == ["4242"]  # nothing stored for the refused one
