from decimal import Decimal

import pytest

from ecovarejo.payments.gateway import GatewayTimeout
from ecovarejo.payments.providers.base import CardData, ProviderUnavailable
from ecovarejo.payments.providers.mercadopago_gateway import MercadoPagoGateway

from .fakes import free_port
from .fakes.mercadopago_api import MercadoPagoFake


async def test_authorize_capture_refund_in_reais(mp_fake: tuple[MercadoPagoFake, str]) -> None:
    fake, url = mp_fake
    gw = MercadoPagoGateway("TEST-123", api_base=url)
    auth = await gw.authorize(amount=Decimal("157.90"), currency="BRL", source="tok_client", idempotency_key="m-1")
    assert (auth.ok, auth.status, auth.amount) == (True, "authorized", Decimal("157.90"))
    sent = fake.requests[-1]
    assert sent["headers"]["authorization"] == "Bearer TEST-123"  # type: ignore[index]
    assert sent["headers"]["x-idempotency-key"] == "m-1"  # type: ignore[index]
    assert sent["json"]["transaction_amount"] == Decimal("157.90")  # type: ignore[index]
    assert sent["json"]["capture"] is False  # type: ignore[index]
    assert auth.reference is not None
    cap = await gw.capture(auth.reference, Decimal("157.90"), idempotency_key="m-1:capture")
    assert (cap.ok, cap.status) == (True, "captured")
    ref = await gw.refund(auth.reference, Decimal("57.90"), idempotency_key="m-1:refund")
    assert (ref.ok, ref.amount) == (True, Decimal("57.90"))
    over = await gw.refund(auth.reference, Decimal("100.01"), idempotency_key="m-1:refund2")
    assert not over.ok and over.code == "2085"
    assert await gw.find("m-1") is not None and await gw.find("nope") is None


async def test_vault_card_goes_through_a_card_token_and_declines_come_back(
    mp_fake: tuple[MercadoPagoFake, str],
) -> None:
    fake, url = mp_fake
    gw = MercadoPagoGateway("TEST-123", api_base=url)
    ok = await gw.authorize(
        amount=Decimal("10.00"), currency="BRL", source=CardData("5031433215406351", 11, 2030), idempotency_key="m-2"
    )
    assert ok.ok and fake.requests[-2]["path"] == "/v1/card_tokens"
    no = await gw.authorize(amount=Decimal("10.00"), currency="BRL", source="rej_funds", idempotency_key="m-3")
    assert (no.ok, no.status, no.code) == (False, "declined", "cc_rejected_insufficient_amount")
    denied = await MercadoPagoGateway("APP_USR-wrong", api_base=url).authorize(
        amount=Decimal("1"), currency="BRL", source="t", idempotency_key="m-4"
    )
    assert not denied.ok and denied.code == "2002"


async def test_x_idempotency_key_is_mandatory_and_replays(mp_fake: tuple[MercadoPagoFake, str]) -> None:
    fake, url = mp_fake
    gw = MercadoPagoGateway("TEST-123", api_base=url)
    before = fake.charges
    a = await gw.authorize(amount=Decimal("5.00"), currency="BRL", source="tok", idempotency_key="m-5")
    b = await gw.authorize(amount=Decimal("5.00"), currency="BRL", source="tok", idempotency_key="m-5")
    assert a.reference == b.reference and fake.charges == before + 1
    # the SDK always sends one; a raw call without it is refused, as Mercado Pago does
    import httpx

    async with httpx.AsyncClient(base_url=url) as raw:
        r = await raw.post(
            "/v1/payments", json={"transaction_amount": 1, "token": "t"}, headers={"Authorization": "Bearer TEST-1"}
        )
    assert r.status_code == 400 and r.json()["cause"][0]["code"] == 4292


async def test_unavailability(mp_fake: tuple[MercadoPagoFake, str]) -> None:
    fake, url = mp_fake
    fake.fail_next = 1
    with pytest.raises(ProviderUnavailable) as exc:
        await MercadoPagoGateway("TEST-1", api_base=url).authorize(
            amount=Decimal("1"), currency="BRL", source="t", idempotency_key="m-6"
        )
    assert exc.value.delivered
    fake.delay_after_charge = 2.0
    with pytest.raises(GatewayTimeout):
        await MercadoPagoGateway("TEST-1", api_base=url, timeout=0.3).authorize(
            amount=Decimal("1"), currency="BRL", source="t", idempotency_key="m-7"
        )
    with pytest.raises(ProviderUnavailable) as exc:
        await MercadoPagoGateway("TEST-1", api_base=f"http://127.0.0.1:{free_port()}").authorize(
            amount=Decimal("1"), currency="BRL", source="t", idempotency_key="m-8"
        )
    assert not exc.value.delivered
