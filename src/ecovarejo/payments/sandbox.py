"""The built-in sandbox gateway: behaves like a card provider, driven by test card numbers.

See ``docs/payments-sandbox.md``. It keeps its "provider-side" state in memory (per process); a
reference it does not know (issued by another process) is treated as a valid approved authorization.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from .gateway import AUTHENTICATION_RETURN_PATH, GatewayResult, GatewayTimeout, authentication_return_url
from .providers.base import CardInfo

APPROVE = "4242424242424242"
DECLINE = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
TIMEOUT = "4000000000000119"
#: The issuer asks for 3-D Secure (as Stripe's 4000 0027 6000 3184): the shopper passes or fails the
#: sandbox's challenge page (:data:`CHALLENGE_PATH`).
CHALLENGE = "4000002760003184"
#: The sandbox "issuer's" challenge page (``/sandbox-pay/v1/challenge/<reference>``, served by the web).
CHALLENGE_PATH = "/sandbox-pay/v1/challenge/"

#: Test sources: card numbers (spaces allowed) or the equivalent tokens.
TEST_CARDS = {
    APPROVE: "approve",
    "5555555555554444": "approve",
    DECLINE: "card_declined",
    INSUFFICIENT_FUNDS: "insufficient_funds",
    TIMEOUT: "timeout",
    CHALLENGE: "challenge",
    "tok_approve": "approve",
    "tok_visa": "approve",
    "tok_decline": "card_declined",
    "tok_insufficient_funds": "insufficient_funds",
    "tok_timeout": "timeout",
    "tok_challenge": "challenge",
    "pix": "approve",
}

#: The published test tokens' cards (last four digits), as the providers publish theirs (Stripe's ``tok_visa``).
TOKEN_LAST4 = {
    "tok_approve": "4242",
    "tok_visa": "4242",
    "tok_mastercard": "4444",
    "tok_decline": "0002",
    "tok_insufficient_funds": "9995",
    "tok_timeout": "0119",
    "tok_challenge": "3184",
}
TEST_CARDS["tok_mastercard"] = "approve"

#: Tokens minted by the sandbox's browser tokenization (``card_form.py``):
#: ``tok_sbx_<outcome>_<brand>_<last4>_<MM><YYYY><fingerprint:16 hex><random:16 hex>`` — the "provider"
#: keeps no state: what Stripe answers to ``GET /v1/payment_methods/pm_…`` (brand, last 4, expiry, the
#: card's fingerprint) is read from the token itself (:func:`describe_minted`).
MINTED_PREFIX = "tok_sbx_"
OUTCOMES = ("approve", "card_declined", "insufficient_funds", "timeout", "challenge")


def minted_parts(source: str) -> tuple[str, str, str] | None:
    """(outcome, brand, last4) of a token the sandbox tokenization minted, else ``None``."""
    if not source.startswith(MINTED_PREFIX):
        return None
    rest = source[len(MINTED_PREFIX) :]
    for outcome in OUTCOMES:
        if rest.startswith(outcome + "_"):
            parts = rest[len(outcome) + 1 :].split("_")
            if len(parts) == 3 and parts[1].isdigit() and len(parts[1]) == 4:
                return outcome, parts[0], parts[1]
    return None


def mint(outcome: str, brand: str, last4: str, exp_month: int, exp_year: int, fingerprint: str) -> str:
    """A sandbox card token (what ``POST /sandbox-pay/v1/tokens`` answers)."""
    tail = f"{exp_month:02d}{exp_year:04d}{fingerprint[:16]}{uuid.uuid4().hex[:16]}"
    return f"{MINTED_PREFIX}{outcome}_{brand}_{last4}_{tail}"


def describe_minted(source: str) -> CardInfo | None:
    """The card behind a minted token (brand, last 4, expiry, fingerprint), as a provider's API describes
    one of its payment methods; ``None`` for anything else (a published test token has no expiry)."""
    minted = minted_parts(source)
    if minted is None:
        return None
    tail = source.rsplit("_", 1)[1]
    if len(tail) != 38 or not tail[:6].isdigit():
        return None
    month, year = int(tail[:2]), int(tail[2:6])
    if not 1 <= month <= 12:
        return None
    return CardInfo("sandbox", source, minted[1], minted[2], month, year, tail[6:22])


def token_last4(source: str) -> str | None:
    """The last four digits a test or minted token stands for (shown on receipts)."""
    minted = minted_parts(source)
    return minted[2] if minted else TOKEN_LAST4.get(source)


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def outcome_for(source: str) -> str:
    minted = minted_parts(source)
    if minted is not None:
        return minted[0]
    if source.startswith(MINTED_PREFIX):
        return "invalid_card"
    s = source.replace(" ", "").replace("-", "")
    if s in TEST_CARDS:
        return TEST_CARDS[s]
    return "approve" if luhn_ok(s) else "invalid_card"


@dataclass
class _Auth:
    amount: Decimal
    captured: Decimal = Decimal("0")
    refunded: Decimal = Decimal("0")
    #: requires_action (waiting for the challenge) | authorized | failed | captured | voided | …
    status: str = "authorized"
    #: Where the challenge page sends the shopper back (the shop's return page, on the tenant's address).
    return_url: str = ""
    currency: str = "BRL"
    last4: str = ""


@dataclass(frozen=True)
class Challenge:
    """What the sandbox issuer's challenge page shows and where it sends the shopper back."""

    reference: str
    amount: Decimal
    currency: str
    last4: str
    #: requires_action while the shopper has not answered; authorized | failed afterwards.
    status: str
    return_url: str


@dataclass
class SandboxGateway:
    name: str = "sandbox"
    #: Seconds the timeout card waits before giving up (0 in tests).
    timeout_delay: float = 0.0
    _auths: dict[str, _Auth] = field(default_factory=dict)
    _done: dict[str, GatewayResult] = field(default_factory=dict)

    def _once(self, key: str, result: GatewayResult) -> GatewayResult:
        return self._done.setdefault(key, result)

    async def authorize(
        self,
        *,
        amount: Decimal,
        currency: str,
        source: str,
        idempotency_key: str,
        description: str = "",
        installments: int = 1,
    ) -> GatewayResult:
        if idempotency_key in self._done:
            return self._done[idempotency_key]
        outcome = outcome_for(source)
        if outcome == "timeout":
            await asyncio.sleep(self.timeout_delay)
            raise GatewayTimeout("sandbox: the test card for timeouts never answers")
        if amount <= 0:
            return self._once(idempotency_key, GatewayResult(False, None, "declined", amount, "invalid_amount"))
        if outcome == "challenge":  # 3-D Secure: nothing held until the shopper passes the challenge
            ref = f"sbx_{uuid.uuid4().hex}"
            back = authentication_return_url() or AUTHENTICATION_RETURN_PATH
            origin = back.removesuffix(AUTHENTICATION_RETURN_PATH)
            self._auths[ref] = _Auth(amount, status="requires_action", return_url=back, currency=currency,
                                     last4=token_last4(source) or source.replace(" ", "")[-4:])  # fmt: skip
            return self._once(
                idempotency_key,
                GatewayResult(
                    False, ref, "requires_action", amount, "authentication_required",
                    "the card's issuer asks the shopper to authenticate (3-D Secure)",
                    next_action_url=f"{origin}{CHALLENGE_PATH}{ref}",
                ),
            )  # fmt: skip
        if outcome != "approve":
            msg = {"card_declined": "Card declined", "insufficient_funds": "Insufficient funds"}.get(outcome, outcome)
            return self._once(idempotency_key, GatewayResult(False, None, "declined", amount, outcome, msg))
        ref = f"sbx_{uuid.uuid4().hex}"
        self._auths[ref] = _Auth(amount)
        return self._once(idempotency_key, GatewayResult(True, ref, "authorized", amount))

    def _auth(self, reference: str) -> _Auth | None:
        if reference in self._auths:
            return self._auths[reference]
        if reference.startswith("sbx_"):
            return None  # authorized by another process: trust the caller's amounts
        raise KeyError(reference)

    async def capture(self, reference: str, amount: Decimal, *, idempotency_key: str) -> GatewayResult:
        if idempotency_key in self._done:
            return self._done[idempotency_key]
        try:
            a = self._auth(reference)
        except KeyError:
            return GatewayResult(False, reference, "failed", amount, "unknown_payment")
        if a is not None:
            if a.status != "authorized" or a.captured + amount > a.amount:
                return GatewayResult(False, reference, "failed", amount, "capture_not_allowed")
            a.captured += amount
            a.status = "captured"
        return self._once(idempotency_key, GatewayResult(True, reference, "captured", amount))

    async def void(self, reference: str, *, idempotency_key: str) -> GatewayResult:
        if idempotency_key in self._done:
            return self._done[idempotency_key]
        try:
            a = self._auth(reference)
        except KeyError:
            return GatewayResult(False, reference, "failed", Decimal("0"), "unknown_payment")
        if a is not None:
            if a.status not in ("authorized", "requires_action"):  # a challenge still open is cancelled too
                return GatewayResult(False, reference, "failed", Decimal("0"), "void_not_allowed")
            a.status = "voided"
        return self._once(idempotency_key, GatewayResult(True, reference, "voided", a.amount if a else Decimal("0")))

    async def refund(self, reference: str, amount: Decimal, *, idempotency_key: str) -> GatewayResult:
        if idempotency_key in self._done:
            return self._done[idempotency_key]
        try:
            a = self._auth(reference)
        except KeyError:
            return GatewayResult(False, reference, "failed", amount, "unknown_payment")
        if a is not None:
            if a.refunded + amount > a.captured:
                return GatewayResult(False, reference, "failed", amount, "refund_exceeds_capture")
            a.refunded += amount
            a.status = "refunded" if a.refunded == a.captured else "partially_refunded"
        return self._once(idempotency_key, GatewayResult(True, reference, "refunded", amount))

    async def status(self, reference: str) -> GatewayResult:
        try:
            a = self._auth(reference)
        except KeyError:
            return GatewayResult(False, reference, "failed", Decimal("0"), "unknown_payment")
        if a is None:
            return GatewayResult(True, reference, "unknown", Decimal("0"))
        if a.status == "failed":
            return GatewayResult(False, reference, "failed", a.amount, "authentication_failed")
        return GatewayResult(True, reference, a.status, a.amount)

    # ---------------------------------------------------------------- the issuer's 3-D Secure challenge
    def challenge(self, reference: str) -> Challenge | None:
        """The challenge of a payment this sandbox asked to authenticate (``None``: no such challenge in
        this process — the sandbox keeps its state in memory)."""
        a = self._auths.get(reference)
        if a is None or not a.return_url:
            return None
        return Challenge(reference, a.amount, a.currency, a.last4, a.status, a.return_url)

    def answer_challenge(self, reference: str, *, approve: bool) -> Challenge | None:
        """The shopper's answer at the challenge page, written once (a second answer changes nothing):
        approved -> ``authorized`` (the hold for the amount), refused -> ``failed``."""
        a = self._auths.get(reference)
        if a is None or not a.return_url:
            return None
        if a.status == "requires_action":
            a.status = "authorized" if approve else "failed"
        return self.challenge(reference)
