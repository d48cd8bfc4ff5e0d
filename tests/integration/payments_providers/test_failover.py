"""Failover across the three fakes: next provider only on unavailability, never after a decline, and a
provider that charged then went silent is found again instead of charging a second provider."""

import uuid
from decimal import Decimal

import pytest

from ecovarejo.core.tenancy import current_tenant
from ecovarejo.payments.failover import FailoverGateway, NoProviderAvailable
from ecovarejo.payments.gateway import GatewayTimeout
from ecovarejo.payments.providers.mercadopago_gateway import MercadoPagoGateway
from ecovarejo.payments.providers.pagseguro_gateway import PagSeguroGateway
from ecovarejo.payments.providers.stripe_gateway import StripeGateway

from .fakes import free_port
from .fakes.mercadopago_api import MercadoPagoFake
from .fakes.pagbank_api import PagBankFake
from .fakes.stripe_api import StripeFake


@pytest.fixture
def fakes(
    stripe_fake: tuple[StripeFake, str], pagbank_fake: tuple[PagBankFake, str], mp_fake: tuple[MercadoPagoFake, str]
) -> dict[str, tuple[object, str]]:
    return {"stripe": stripe_fake, "pagseguro": pagbank_fake, "mercadopago": mp_fake}


def build(fakes: dict[str, tuple[object, str]], timeout: float = 5.0, **kw: object) -> FailoverGateway:
    return FailoverGateway(
        {
            "stripe": StripeGateway("sk_test_1", api_base=fakes["stripe"][1], timeout=timeout),
            "pagseguro": PagSeguroGateway("pb", api_base=fakes["pagseguro"][1], timeout=timeout),
            "mercadopago": MercadoPagoGateway("TEST-1", api_base=fakes["mercadopago"][1], timeout=timeout),
        },
        order=["stripe", "pagseguro", "mercadopago"],
        **kw,  # type: ignore[arg-type]
    )


async def test_primary_answers_and_later_calls_follow_the_reference(fakes: dict[str, tuple[object, str]]) -> None:
    gw = build(fakes)
    auth = await gw.authorize(amount=Decimal("20.00"), currency="BRL", source="tok", idempotency_key="f-1")
    assert auth.ok and auth.reference is not None and auth.reference.startswith("stripe:pi_")
    cap = await gw.capture(auth.reference, Decimal("20.00"), idempotency_key="f-1:c")
    assert cap.ok and cap.reference == auth.reference


async def test_5xx_fails_over_after_checking_nothing_was_charged(fakes: dict[str, tuple[object, str]]) -> None:
    stripe, pagbank = fakes["stripe"][0], fakes["pagseguro"][0]
    stripe.fail_next = 1  # type: ignore[attr-defined]
    before = stripe.charges  # type: ignore[attr-defined]
    auth = await build(fakes).authorize(amount=Decimal("20.00"), currency="BRL", source="enc", idempotency_key="f-2")
    assert auth.ok and auth.reference is not None and auth.reference.startswith("pagseguro:CHAR_")
    assert stripe.charges == before  # type: ignore[attr-defined]
    assert any(r["path"] == "/v1/payment_intents/search" for r in stripe.requests)  # type: ignore[attr-defined]
    # the same key went to PagBank
    assert pagbank.requests[-1]["headers"]["x-idempotency-key"] == "f-2"  # type: ignore[attr-defined]


async def test_a_decline_is_final(fakes: dict[str, tuple[object, str]]) -> None:
    pagbank = fakes["pagseguro"][0]
    result = await build(fakes).authorize(
        amount=Decimal("20.00"), currency="BRL", source="pm_card_chargeDeclined", idempotency_key="f-3"
    )
    assert (result.ok, result.status, result.code) == (False, "declined", "generic_decline")
    assert pagbank.requests == []  # type: ignore[attr-defined]


async def test_provider_that_charges_then_times_out_is_not_charged_twice(
    fakes: dict[str, tuple[object, str]],
) -> None:
    stripe, pagbank, mp = (fakes[n][0] for n in ("stripe", "pagseguro", "mercadopago"))
    stripe.delay_after_charge = 2.0  # type: ignore[attr-defined]
    charges = stripe.charges + pagbank.charges + mp.charges  # type: ignore[attr-defined]
    result = await build(fakes, timeout=0.5).authorize(
        amount=Decimal("30.00"), currency="BRL", source="tok", idempotency_key="f-4"
    )
    assert result.ok and result.reference is not None and result.reference.startswith("stripe:")
    assert stripe.charges + pagbank.charges + mp.charges == charges + 1  # type: ignore[attr-defined]
    assert pagbank.requests == [] and mp.requests == []  # type: ignore[attr-defined]


async def test_timeout_without_charge_moves_on_and_pagbank_unknown_outcome_stops(
    fakes: dict[str, tuple[object, str]],
) -> None:
    stripe, pagbank, mp = (fakes[n][0] for n in ("stripe", "pagseguro", "mercadopago"))
    stripe.delay_before_charge = 2.0  # type: ignore[attr-defined]  # silent before charging
    result = await build(fakes, timeout=0.5).authorize(
        amount=Decimal("30.00"), currency="BRL", source="enc", idempotency_key="f-5"
    )
    assert result.reference is not None and result.reference.startswith("pagseguro:")
    # PagBank cannot be searched by our key: after its timeout no other provider is tried
    stripe.delay_before_charge = 0.0  # type: ignore[attr-defined]
    pagbank.delay_after_charge = 2.0  # type: ignore[attr-defined]
    gw = build(fakes, timeout=0.5)
    gw.breakers["stripe"].state, gw.breakers["stripe"].opened_at = "open", float("inf")
    with pytest.raises(GatewayTimeout):
        await gw.authorize(amount=Decimal("30.00"), currency="BRL", source="enc", idempotency_key="f-6")
    assert mp.requests == []  # type: ignore[attr-defined]


async def test_connection_refused_everywhere(fakes: dict[str, tuple[object, str]]) -> None:
    dead = {n: (None, f"http://127.0.0.1:{free_port()}") for n in fakes}
    with pytest.raises(NoProviderAvailable) as exc:
        await build(dead).authorize(amount=Decimal("1"), currency="BRL", source="t", idempotency_key="f-7")
    assert exc.value.tried == ["stripe", "pagseguro", "mercadopago"]


async def test_tenant_order(fakes: dict[str, tuple[object, str]]) -> None:
    tenant = uuid.uuid4()

    async def order(tenant_id: uuid.UUID) -> list[str] | None:
        return ["mercadopago", "stripe"] if tenant_id == tenant else None

    gw = build(fakes, tenant_order=order)
    token = current_tenant.set(tenant)
    try:
        result = await gw.authorize(amount=Decimal("1.00"), currency="BRL", source="tok", idempotency_key="f-8")
    finally:
        current_tenant.reset(token)
    assert result.reference is not None and result.reference.startswith("mercadopago:")
