from decimal import Decimal

import pytest

from ecovarejo.payments.gateway import GatewayTimeout
from ecovarejo.payments.providers.base import CardData, ProviderUnavailable
from ecovarejo.payments.providers.pagseguro_gateway import PagSeguroGateway

from .fakes import free_port
from .fakes.pagbank_api import PagBankFake


async def test_order_with_card_charge_capture_and_partial_refunds(pagbank_fake: tuple[PagBankFake, str]) -> None:
    fake, url = pagbank_fake
    gw = PagSeguroGateway("pb-token", api_base=url)
    auth = await gw.authorize(amount=Decimal("99.90"), currency="BRL", source="enc_abc", idempotency_key="p-1")
    assert (auth.ok, auth.status, auth.amount) == (True, "authorized", Decimal("99.90"))
    sent = fake.requests[-1]
    assert sent["headers"]["authorization"] == "Bearer pb-token"  # type: ignore[index]
    assert sent["headers"]["x-idempotency-key"] == "p-1"  # type: ignore[index]
    charge = sent["json"]["charges"][0]  # type: ignore[index]
    assert charge["amount"] == {"value": 9990, "currency": "BRL"}
    assert charge["payment_method"]["capture"] is False and charge["payment_method"]["card"]["encrypted"] == "enc_abc"
    assert auth.reference is not None
    cap = await gw.capture(auth.reference, Decimal("99.90"), idempotency_key="p-1:c")
    assert (cap.ok, cap.status) == (True, "captured")
    r1 = await gw.refund(auth.reference, Decimal("9.90"), idempotency_key="p-1:r1")
    assert (r1.ok, r1.amount) == (True, Decimal("9.90"))
    over = await gw.refund(auth.reference, Decimal("90.01"), idempotency_key="p-1:r2")
    assert not over.ok and over.code == "40002"
    assert (await gw.status(auth.reference)).status == "captured"
    await gw.aclose()


async def test_decline_void_and_errors(pagbank_fake: tuple[PagBankFake, str]) -> None:
    fake, url = pagbank_fake
    gw = PagSeguroGateway("pb-token", api_base=url)
    d = await gw.authorize(
        amount=Decimal("10"),
        currency="BRL",
        source=CardData("4000000000000002", 12, 2030, "ANA"),
        idempotency_key="p-2",
    )
    assert (d.ok, d.status, d.code) == (False, "declined", "10002")
    a = await gw.authorize(amount=Decimal("10"), currency="BRL", source="enc_ok", idempotency_key="p-3")
    assert a.reference is not None
    v = await gw.void(a.reference, idempotency_key="p-3:void")
    assert (v.ok, v.status) == (True, "voided")
    fake.fail_next = 1
    with pytest.raises(ProviderUnavailable):
        await gw.authorize(amount=Decimal("10"), currency="BRL", source="enc_ok", idempotency_key="p-4")
    fake.delay_after_charge = 2.0
    with pytest.raises(GatewayTimeout):
        await PagSeguroGateway("t", api_base=url, timeout=0.3).authorize(
            amount=Decimal("10"), currency="BRL", source="enc_ok", idempotency_key="p-5"
        )
    with pytest.raises(ProviderUnavailable) as exc:
        await PagSeguroGateway("t", api_base=f"http://127.0.0.1:{free_port()}").authorize(
            amount=Decimal("10"), currency="BRL", source="enc_ok", idempotency_key="p-6"
        )
    assert not exc.value.delivered
    await gw.aclose()
