"""The sandbox's 3-D Secure challenge card and the tenant's public address its return uses (issue #19)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from ecovarejo.core.tenancy import TenantInfo, current_public_url, public_origin
from ecovarejo.payments.gateway import authentication_return_url
from ecovarejo.payments.sandbox import SandboxGateway, outcome_for

DEV = "http://localhost:8000"


def _tenant(domain: str | None) -> TenantInfo:
    return TenantInfo(uuid.uuid4(), "loja", "Loja", domain)


def test_the_public_origin_of_a_request() -> None:
    on_domain = _tenant("loja.example")
    assert public_origin(on_domain, scheme="https", host="Loja.Example", configured=DEV, development_default=DEV) == (
        "https://loja.example"
    )
    assert public_origin(on_domain, scheme="http", host="loja.example:8080", configured="https://plat.example",
                         development_default=DEV) == "http://loja.example:8080"  # fmt: skip
    # the tenant reached on the platform's host (X-Tenant-ID): its own domain, over HTTPS
    assert public_origin(on_domain, scheme="http", host="api.plat.example", configured="https://plat.example",
                         development_default=DEV) == "https://loja.example"  # fmt: skip
    # a port that is not one is dropped
    assert public_origin(on_domain, scheme="https", host="loja.example:x@evil", configured=DEV,
                         development_default=DEV) == "https://loja.example"  # fmt: skip
    plain = _tenant(None)
    assert public_origin(plain, scheme="https", host="whatever.example", configured="https://plat.example/",
                         development_default=DEV) == "https://plat.example"  # fmt: skip
    # the development default: the request's own address (as robots.txt does)
    assert public_origin(plain, scheme="http", host="127.0.0.1:5000", configured=DEV, development_default=DEV) == (
        "http://127.0.0.1:5000"
    )
    assert public_origin(plain, scheme="http", host="bad/host", configured=DEV, development_default=DEV) == DEV


def test_the_return_url_follows_the_request() -> None:
    assert authentication_return_url("https://plat.example/checkout/autenticacao") == (
        "https://plat.example/checkout/autenticacao"
    )
    token = current_public_url.set("https://loja.example")
    try:
        assert authentication_return_url("x") == "https://loja.example/checkout/autenticacao"
    finally:
        current_public_url.reset(token)


async def test_the_challenge_card_waits_for_the_shoppers_answer() -> None:
    assert outcome_for("4000 0027 6000 3184") == outcome_for("tok_challenge") == "challenge"
    gw = SandboxGateway()
    token = current_public_url.set("https://loja.example")
    try:
        r = await gw.authorize(amount=Decimal("50.00"), currency="BRL", source="tok_challenge", idempotency_key="k1")
    finally:
        current_public_url.reset(token)
    assert (r.ok, r.status, r.code) == (False, "requires_action", "authentication_required")
    assert r.reference and r.next_action_url == f"https://loja.example/sandbox-pay/v1/challenge/{r.reference}"
    again = await gw.authorize(amount=Decimal("50.00"), currency="BRL", source="tok_challenge", idempotency_key="k1")
    assert again == r  # the same key: the same challenge
    challenge = gw.challenge(r.reference)
    assert challenge is not None
    assert (challenge.amount, challenge.last4, challenge.status) == (Decimal("50.00"), "3184", "requires_action")
    assert challenge.return_url == "https://loja.example/checkout/autenticacao"
    assert (await gw.status(r.reference)).status == "requires_action"
    capture = await gw.capture(r.reference, Decimal("50.00"), idempotency_key="c0")
    assert not capture.ok  # nothing held before the answer

    assert gw.answer_challenge(r.reference, approve=True).status == "authorized"  # type: ignore[union-attr]
    assert gw.answer_challenge(r.reference, approve=False).status == "authorized"  # type: ignore[union-attr]
    assert (await gw.status(r.reference)).status == "authorized"
    assert (await gw.capture(r.reference, Decimal("50.00"), idempotency_key="c1")).status == "captured"

    refused = await gw.authorize(amount=Decimal("9.00"), currency="BRL", source="tok_challenge", idempotency_key="k2")
    assert refused.reference
    gw.answer_challenge(refused.reference, approve=False)
    answer = await gw.status(refused.reference)
    assert (answer.ok, answer.status, answer.code) == (False, "failed", "authentication_failed")

    abandoned = await gw.authorize(amount=Decimal("9.00"), currency="BRL", source="tok_challenge", idempotency_key="k3")
    assert abandoned.reference
    assert (await gw.void(abandoned.reference, idempotency_key="v3")).status == "voided"  # an open challenge
    assert gw.challenge("sbx_" + uuid.uuid4().hex) is None
    assert gw.answer_challenge("sbx_unknown", approve=True) is None
