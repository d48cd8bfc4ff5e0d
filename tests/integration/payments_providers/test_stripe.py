from decimal import Decimal

import pytest

from ecovarejo.payments.gateway import GatewayTimeout
from ecovarejo.payments.providers.base import CardData, ProviderUnavailable
from ecovarejo.payments.providers.stripe_gateway import StripeGateway

from .fakes import free_port
from .fakes.stripe_api import StripeFake


async def test_authorize_capture_refund_in_centavos(stripe_fake: tuple[StripeFake, str]) -> None:
    fake, url = stripe_fake
    gw = StripeGateway("sk_test_123", api_base=url)
    auth = await gw.authorize(amount=Decimal("157.90"), currency="BRL", source="pm_card_visa", idempotency_key="k-1")
    assert (auth.ok, auth.status, auth.amount) == (True, "authorized", Decimal("157.90"))
    sent = fake.requests[-1]
    assert sent["headers"]["authorization"] == "Bearer sk_test_123"  # type: ignore[index]
    assert sent["headers"]["idempotency-key"] == "k-1"  # type: ignore[index]
    assert sent["form"]["amount"] == "15790" and sent["form"]["capture_method"] == "manual"  # type: ignore[index]
    assert auth.reference is not None
    cap = await gw.capture(auth.reference, Decimal("150.00"), idempotency_key="k-1:capture")
    assert (cap.ok, cap.status, cap.amount) == (True, "captured", Decimal("150.00"))
    ref = await gw.refund(auth.reference, Decimal("50.00"), idempotency_key="k-1:refund")
    assert (ref.ok, ref.amount) == (True, Decimal("50.00"))
    too_much = await gw.refund(auth.reference, Decimal("100.01"), idempotency_key="k-1:refund2")
    assert not too_much.ok and too_much.code == "charge_already_refunded"
    assert (await gw.status(auth.reference)).status == "captured"


async def test_idempotency_key_replays_the_first_charge(stripe_fake: tuple[StripeFake, str]) -> None:
    fake, url = stripe_fake
    gw = StripeGateway("sk_test_123", api_base=url)
    before = fake.charges
    a = await gw.authorize(amount=Decimal("10"), currency="BRL", source="pm_card_visa", idempotency_key="same")
    b = await gw.authorize(amount=Decimal("10"), currency="BRL", source="pm_card_visa", idempotency_key="same")
    assert a.reference == b.reference and fake.charges == before + 1
    assert await gw.find("same") == a
    assert await gw.find("never-used") is None


async def test_declines_and_errors(stripe_fake: tuple[StripeFake, str]) -> None:
    fake, url = stripe_fake
    gw = StripeGateway("sk_test_123", api_base=url)
    d = await gw.authorize(
        amount=Decimal("10"), currency="BRL", source="pm_card_chargeDeclinedInsufficientFunds", idempotency_key="d1"
    )
    assert (d.ok, d.status, d.code) == (False, "declined", "insufficient_funds")
    card = CardData("4000000000000002", 12, 2030, cvv="123")
    assert "4000000000000002" not in repr(card) and "123" not in repr(card)
    d2 = await gw.authorize(amount=Decimal("10"), currency="BRL", source=card, idempotency_key="d2")
    assert (d2.ok, d2.code) == (False, "generic_decline")
    bad_key = await StripeGateway("sk_live_nope", api_base=url).authorize(
        amount=Decimal("10"), currency="BRL", source="pm_card_visa", idempotency_key="d3"
    )
    assert not bad_key.ok and bad_key.status == "failed"
    fake.fail_next = 1
    with pytest.raises(ProviderUnavailable) as exc:
        await gw.authorize(amount=Decimal("10"), currency="BRL", source="pm_card_visa", idempotency_key="d4")
    assert exc.value.delivered


async def test_timeout_and_connection_refused(stripe_fake: tuple[StripeFake, str]) -> None:
    fake, url = stripe_fake
    fake.delay_after_charge = 2.0
    with pytest.raises(GatewayTimeout):
        await StripeGateway("sk_test_1", api_base=url, timeout=0.3).authorize(
            amount=Decimal("10"), currency="BRL", source="pm_card_visa", idempotency_key="t1"
        )
    found = await StripeGateway("sk_test_1", api_base=url).find("t1")
    assert found is not None and found.status == "authorized"  # it did charge before going silent
    with pytest.raises(ProviderUnavailable) as exc:
        await StripeGateway("sk_test_1", api_base=f"http://127.0.0.1:{free_port()}").authorize(
            amount=Decimal("10"), currency="BRL", source="pm_card_visa", idempotency_key="t2"
        )
    assert not exc.value.delivered


async def test_three_d_secure_is_never_taken_for_an_authorization(stripe_fake: tuple[StripeFake, str]) -> None:
    """A card whose issuer asks for 3-D Secure leaves the PaymentIntent in ``requires_action``: not ok (no
    money held), with the challenge's URL when a return URL was given; after the challenge the intent is
    authorized (or not) and captures as usual."""
    import httpx

    from .browser import stripe_payment_method

    fake, url = stripe_fake
    pm = await stripe_payment_method(url, "4000 0027 6000 3184")
    gw = StripeGateway("sk_test_123", api_base=url, return_url="https://shop.example/pagamento/retorno")
    auth = await gw.authorize(amount=Decimal("80.00"), currency="BRL", source=pm, idempotency_key="3ds-1")
    assert (auth.ok, auth.status, auth.code) == (False, "requires_action", "authentication_required")
    assert auth.reference is not None and auth.next_action_url == f"{url}/3ds/{auth.reference}"
    assert fake.requests[-1]["form"]["return_url"] == "https://shop.example/pagamento/retorno"  # type: ignore[index]
    async with httpx.AsyncClient() as c:  # the shopper passes the challenge; Stripe sends them back
        back = await c.get(auth.next_action_url)
    assert back.status_code == 303
    assert back.headers["location"] == f"https://shop.example/pagamento/retorno?payment_intent={auth.reference}"
    assert (await gw.status(auth.reference)).status == "authorized"
    cap = await gw.capture(auth.reference, Decimal("80.00"), idempotency_key="3ds-1:capture")
    assert (cap.ok, cap.status) == (True, "captured")

    # a PaymentMethod is single-use without a Customer (Stripe's rule, which the fake keeps): a new one each time
    pm = await stripe_payment_method(url, "4000 0027 6000 3184")
    failed = await gw.authorize(amount=Decimal("5.00"), currency="BRL", source=pm, idempotency_key="3ds-2")
    async with httpx.AsyncClient() as c:
        await c.get(f"{failed.next_action_url}?outcome=fail")
    assert (await gw.status(failed.reference or "")).status == "declined"
    # without a return URL Stripe cannot redirect (``use_stripe_sdk``): still not ok, and no URL
    pm = await stripe_payment_method(url, "4000 0027 6000 3184")
    bare = await StripeGateway("sk_test_123", api_base=url).authorize(
        amount=Decimal("5.00"), currency="BRL", source=pm, idempotency_key="3ds-3"
    )
    assert (bare.ok, bare.status, bare.next_action_url) == (False, "requires_action", None)
