"""HTTP API of the providers layer: provider webhooks, card tokenization and card charges through the
vault, installment plans, Pix charges and boletos, refunds and disputes, reconciliation."""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ecovarejo.core.auth import Principal, current_principal, require_permission
from ecovarejo.core.container import Container
from ecovarejo.core.errors import Conflict, InvalidInput, PayloadTooLarge
from ecovarejo.core.http import get_container, get_read_uow, get_tenant, get_uow
from ecovarejo.core.tenancy import TenantInfo
from ecovarejo.core.uow import UnitOfWork

from . import (
    boleto,
    card_form,
    cards,
    instant,
    order_ledger,
    pix,
    reconciliation,
    refunds,
    service,
    stored_cards,
    webhooks,
)
from .api_views import (
    BoletoOut,
    DisputeList,
    InstallmentPlanOut,
    PixChargeOut,
    ReconciliationOut,
    WebhookReceived,
)
from .gateway import GatewayError
from .idempotency import IdempotencyStore, fingerprint
from .setup import providers_of, settings_of, vault_of
from .stored_cards import looks_like_pan

router = APIRouter(prefix="/api/v1", tags=["payments"])
handle_payments = require_permission("handle_payments")
MAX_WEBHOOK = 256 * 1024
MAX_REPORT = 10 * 1024 * 1024


# --------------------------------------------------------------------------- webhooks
@router.post("/payments/webhooks/{provider}", response_model=WebhookReceived, response_model_exclude_none=True)
async def provider_webhook(
    provider: str, request: Request, container: Container = Depends(get_container), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    """A provider's notification. Bad signature: 400 and nothing changes; a repeat: 200, no effect."""
    body = await request.body()
    if len(body) > MAX_WEBHOOK:
        raise PayloadTooLarge("webhook body too large")
    s = settings_of(container)
    if provider == "stripe":
        notice = webhooks.parse_stripe(
            body, request.headers.get("stripe-signature"), s.stripe_webhook_secret, s.webhook_tolerance
        )
    elif provider == "mercadopago":
        notice = webhooks.parse_mercadopago(
            body, request.headers, request.query_params, s.mercadopago_webhook_secret, s.webhook_tolerance
        )
        gateway = providers_of(container).get("mercadopago")
        if gateway is None:
            raise InvalidInput("mercadopago is not configured", code="provider_not_configured")
        if notice.reference is None:
            raise InvalidInput("the notification names no payment (data.id)", code="invalid_webhook_body")
        try:  # its notifications carry no status: read the payment back (no transaction is open yet)
            notice = webhooks.with_status(notice, await gateway.status(notice.reference))
        except GatewayError as exc:
            raise Conflict("could not read the payment back; retry later", code="provider_unavailable") from exc
    elif provider == "pagseguro":
        notice = webhooks.parse_pagseguro(body, request.headers.get("x-authenticity-token"), s.pagseguro_webhook_token)
    elif provider == "pix":
        outcomes = []
        for item in instant.parse_pix(
            body, request.headers.get("x-ecovarejo-signature"), s.psp_webhook_secret, s.webhook_tolerance
        ):
            outcomes.append(await webhooks.apply(uow, item))
        await uow.commit()
        return {"received": True, "outcomes": outcomes}
    elif provider == "boleto":
        notice = instant.parse_boleto(
            body, request.headers.get("x-ecovarejo-signature"), s.psp_webhook_secret, s.webhook_tolerance
        )
    else:
        raise InvalidInput(f"unknown provider {provider}", code="unknown_provider", status=404)
    outcome = await webhooks.apply(uow, notice)
    await uow.commit()
    return {"received": True, "outcome": outcome}


# --------------------------------------------------------------------------- cards and vault
#: Fields that would carry card data: a request naming one is refused before anything else.
CARD_FIELDS = frozenset({"number", "card_number", "pan", "cvv", "cvc", "security_code", "card"})


class CardIn(BaseModel):
    """A card to keep: the token the provider's own browser form made (Stripe's ``pm_…``, the sandbox's
    ``tok_sbx_…``). Never a card number or a CVV: those go from the shopper's browser to the provider."""

    model_config = ConfigDict(strict=True, extra="forbid")

    provider_token: str = Field(min_length=5, max_length=1024)

    @model_validator(mode="before")
    @classmethod
    def _no_card_data(cls, data: Any) -> Any:
        if isinstance(data, dict) and (CARD_FIELDS & {str(k).lower() for k in data}):
            raise PydanticCustomError(
                "card_number_not_accepted",
                "card numbers and CVVs are not accepted: send the token of the provider's card form",
            )
        return data

    @field_validator("provider_token")
    @classmethod
    def _never_a_pan(cls, v: str) -> str:
        if looks_like_pan(v):
            raise PydanticCustomError(
                "card_number_not_accepted",
                "card numbers are not accepted: send the token of the provider's card form",
            )
        return v


class CardOut(BaseModel):
    token: str
    last4: str
    brand: str
    exp_month: int
    exp_year: int


@router.post("/payments/cards", status_code=201, response_model=CardOut)
async def store_card(
    body: CardIn,
    container: Container = Depends(get_container),
    who: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
) -> CardOut:
    """Keep the caller's card: the provider of the checkout's card form is asked what its token is
    (brand, last 4, expiry, fingerprint) and the vault seals the token. The stored card belongs to the
    caller: nobody else can see or charge it."""
    info = await stored_cards.describe(container, body.provider_token)
    info = await stored_cards.keep(container, info, who.user_id)
    stored = await vault_of(container).store(uow, owner_id=who.user_id, card=info)
    await uow.commit()
    return CardOut(**stored.__dict__)


class ChargeIn(BaseModel):
    """A charge of the caller's own card. With ``order_id``: for exactly that order's outstanding balance
    (``amount`` may then be omitted); see :mod:`ecovarejo.payments.order_ledger`."""

    model_config = ConfigDict(strict=True)

    card_token: str = Field(min_length=5, max_length=64)
    amount: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2, strict=False)
    installments: int = Field(default=1, ge=1, le=12)
    order_id: uuid.UUID | None = Field(default=None, strict=False)


def _amount_for(amount: Decimal | None, order_id: uuid.UUID | None) -> None:
    if amount is None and order_id is None:
        raise InvalidInput("give an amount, or the order_id the charge is for", code="amount_required")


async def _order_amount(
    container: Container, uow: UnitOfWork, who: Principal, order_id: uuid.UUID | None, amount: Decimal | None
) -> Decimal:
    """The charge's amount: for an order, its outstanding balance (checked; the order row is locked)."""
    if order_id is None:
        assert amount is not None
        return amount
    outstanding = await order_ledger.outstanding_for_charge(uow, order_ledger.order_book_of(container), who, order_id)
    return order_ledger.require_exact(amount, outstanding)


def _payment_json(p: Any) -> dict[str, Any]:
    return {
        "id": str(p.id),
        "order_id": str(p.order_id) if p.order_id else None,
        "status": p.status,
        "method": p.method,
        "gateway": p.gateway,
        "amount": str(p.amount),
        "captured_amount": str(p.captured_amount),
        "refunded_amount": str(p.refunded_amount),
        "card_last4": p.card_last4,
        "failure_code": p.failure_code,
    }


@router.post("/payments/charges", status_code=201)
async def charge_card(
    body: ChargeIn,
    container: Container = Depends(get_container),
    tenant: TenantInfo = Depends(get_tenant),
    who: Principal = Depends(current_principal),
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Any:
    """Charge a vaulted card (authorize + capture) with an installment plan; ``Idempotency-Key`` required."""

    _amount_for(body.amount, body.order_id)

    async def run() -> tuple[int, Any, dict[str, str]]:
        actor = str(who.user_id)
        money_key = f"charge:{who.user_id}:{idempotency_key}"
        async with container.uow(tenant.id, actor=actor) as uow:
            amount = await _order_amount(container, uow, who, body.order_id, body.amount)
            card = await vault_of(container).card(uow, body.card_token, owner_id=who.user_id)
            stored = await vault_of(container).detokenize(
                uow, body.card_token, owner_id=who.user_id, purpose=f"charge {money_key}"[:100], actor=actor
            )
            await uow.commit()
        option = cards.choose(amount, body.installments)
        gateway = service.gateway_of(container)
        source = stored_cards.source_for(gateway, stored)
        try:
            result = await service.gateway_authorize(
                gateway, amount=option.total, currency="BRL", source=source, idempotency_key=money_key
            )
        except GatewayError as exc:
            raise service.PaymentUnavailable("the payment provider did not answer; no money was taken") from exc
        finally:
            del stored, source
        async with container.uow(tenant.id, actor=actor) as uow:
            raced: Conflict | None = None
            if body.order_id is not None and result.ok:  # another charge for the order may have won meanwhile
                try:
                    await _order_amount(container, uow, who, body.order_id, amount)
                except (Conflict, InvalidInput) as exc:
                    raced = Conflict(str(exc.detail), code=exc.code)
            payment = await service.record_authorization(
                uow, result, gateway=gateway.name, amount=option.total, currency="BRL", method="card",
                source="", idempotency_key=money_key, order_id=body.order_id, actor=actor,
            )  # fmt: skip
            payment.card_last4 = card.last4
            await uow.commit()
            payment_id = payment.id
        if raced is not None:
            await service.void(container, tenant.id, payment_id, key=f"{money_key}:void")
            raise raced
        if not result.ok:
            raise service.PaymentDeclined(result.message or "payment declined", extra={"decline_code": result.code})
        p = await service.capture(container, tenant.id, payment_id, key=f"{money_key}:capture")
        out = _payment_json(p) | {
            "installments": option.count,
            "installment_amount": str(option.installment),
            "first_installment": str(option.first_installment),
            "total": str(option.total),
            "interest_free": option.interest_free,
            "card": {"last4": card.last4, "brand": card.brand},
        }
        return 201, out, {}

    return await IdempotencyStore(container).run(
        tenant_id=tenant.id,
        scope=f"payments.charge:{who.user_id}",
        key=idempotency_key,
        request_hash=fingerprint("/payments/charges", body.model_dump(mode="json")),
        handler=run,
    )


@router.get("/payments/installments", response_model=InstallmentPlanOut)
async def installment_options(
    amount: Decimal = Query(gt=0, max_digits=12, decimal_places=2),
    interest_free: int = Query(3, ge=0, le=12),
    max_installments: int = Query(12, ge=1, le=12),
) -> dict[str, Any]:
    policy = cards.InstallmentPolicy(
        max_installments=max_installments, interest_free=min(interest_free, max_installments)
    )
    return {
        "amount": str(amount),
        "options": [
            {
                "count": o.count,
                "installment": str(o.installment),
                "first_installment": str(o.first_installment),
                "total": str(o.total),
                "interest_free": o.interest_free,
                "monthly_rate": str(o.monthly_rate),
            }
            for o in cards.installment_plan(amount, policy)
        ],
    }


# --------------------------------------------------------------------------- Pix and boleto
class PixIn(BaseModel):
    """With ``order_id``: for exactly that order's outstanding balance (``amount`` may be omitted)."""

    model_config = ConfigDict(strict=True)

    amount: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2, strict=False)
    expires_in_minutes: int = Field(default=30, ge=1, le=1440)
    order_id: uuid.UUID | None = Field(default=None, strict=False)


@router.post("/payments/pix", status_code=201, response_model=PixChargeOut)
async def pix_charge(
    body: PixIn,
    container: Container = Depends(get_container),
    tenant: TenantInfo = Depends(get_tenant),
    who: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    """A dynamic Pix BR Code (copy-and-paste text and QR image) and its pending payment; the PSP's
    notification confirms it."""
    _amount_for(body.amount, body.order_id)
    amount = await _order_amount(container, uow, who, body.order_id, body.amount)
    txid = "EV" + secrets.token_hex(14).upper()
    # PUBLIC_URL, never the request's Host header: the BR Code is shown to payers.
    base = card_form.pix_location_base(container)
    charge = pix.new_charge(
        txid=txid, amount=amount, merchant_name=tenant.name, merchant_city="SAO PAULO", location_base=base,
        now=datetime.now(UTC), expires_in=timedelta(minutes=body.expires_in_minutes),
    )  # fmt: skip
    payment = await instant.create_pix(uow, charge, order_id=body.order_id)
    await uow.commit()
    return {
        "payment_id": str(payment.id),
        "status": payment.status,
        "txid": charge.txid,
        "amount": str(charge.amount),
        "payload": charge.payload,
        "expires_at": charge.expires_at.isoformat(),
        "qr_png_base64": base64.b64encode(pix.qr_png(charge.payload)).decode(),
    }


class BoletoIn(BaseModel):
    """With ``order_id``: for exactly that order's outstanding balance (``amount`` may be omitted)."""

    model_config = ConfigDict(strict=True)

    amount: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2, strict=False)
    due_date: date = Field(strict=False)
    bank: str = Field(default="341", pattern=r"^\d{3}$")
    order_id: uuid.UUID | None = Field(default=None, strict=False)


@router.post("/payments/boletos", status_code=201, response_model=BoletoOut)
async def boleto_charge(
    body: BoletoIn,
    container: Container = Depends(get_container),
    who: Principal = Depends(current_principal),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    """A boleto and its pending payment; the bank's notification confirms it."""
    if body.due_date < datetime.now(UTC).date():
        raise InvalidInput("the due date is in the past", code="invalid_due_date")
    _amount_for(body.amount, body.order_id)
    amount = await _order_amount(container, uow, who, body.order_id, body.amount)
    free_field = f"{secrets.randbelow(10**25):025d}"
    b = boleto.issue(body.bank, amount, body.due_date, free_field)
    payment = await instant.create_boleto(uow, b, order_id=body.order_id)
    await uow.commit()
    return {
        "payment_id": str(payment.id),
        "status": payment.status,
        "barcode": b.barcode,
        "digitable_line": b.formatted_line,
        "due_date": b.due.isoformat(),
        "amount": str(b.amount),
    }


# --------------------------------------------------------------------------- refunds and disputes
class RefundIn(BaseModel):
    amount: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)


@router.post("/payments/{payment_id}/refunds", status_code=201)
async def refund_payment(
    payment_id: uuid.UUID,
    body: RefundIn,
    container: Container = Depends(get_container),
    tenant: TenantInfo = Depends(get_tenant),
    who: Principal = Depends(handle_payments),
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Any:
    """Refund all that is left (no ``amount``) or part of a payment; ``Idempotency-Key`` required."""

    async def run() -> tuple[int, Any, dict[str, str]]:
        txn = await refunds.refund(
            container,
            tenant.id,
            payment_id,
            body.amount,
            key=f"refund:{payment_id}:{idempotency_key}",
            actor=str(who.user_id),
        )
        async with container.uow(tenant.id, read_only=True) as uow:
            p = await service.get_payment(uow, payment_id)
            out = {
                "refund": {"id": str(txn.id), "amount": str(txn.amount), "status": txn.status},
                "payment": _payment_json(p),
            }
        return 201, out, {}

    return await IdempotencyStore(container).run(
        tenant_id=tenant.id,
        scope=f"payments.refund:{payment_id}",
        key=idempotency_key,
        request_hash=fingerprint(f"/payments/{payment_id}/refunds", body.model_dump(mode="json")),
        handler=run,
    )


@router.get("/payments/{payment_id}/disputes", response_model=DisputeList)
async def payment_disputes(
    payment_id: uuid.UUID, _: Principal = Depends(handle_payments), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    await service.get_payment(uow, payment_id)
    rows = await refunds.disputes(uow, payment_id)
    return {"items": [{"id": str(d.id), "provider": d.provider, "dispute_id": d.dispute_id, "amount": str(d.amount),
                       "reason": d.reason, "status": d.status} for d in rows]}  # fmt: skip


# --------------------------------------------------------------------------- reconciliation
@router.post("/payments/reconciliations", status_code=201, response_model=ReconciliationOut)
async def reconcile_report(
    request: Request,
    provider: str = Query(pattern="^(stripe|mercadopago|pagseguro)$"),
    name: str = Query("upload.csv", max_length=255),
    _: Principal = Depends(handle_payments),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    """Upload a settlement report (``text/csv`` body) and get the comparison with our ledger."""
    raw = await request.body()
    if len(raw) > MAX_REPORT:
        raise PayloadTooLarge("report too large")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the report must be UTF-8 CSV", code="invalid_report") from exc
    result, row = await reconciliation.reconcile(uow, provider, text, source_name=name)
    await uow.commit()
    return {"id": str(row.id), **result.as_dict()}
