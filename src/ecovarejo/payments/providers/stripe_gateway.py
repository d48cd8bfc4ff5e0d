"""Stripe through the official ``stripe`` SDK (async, httpx transport).

The API base comes from the SDK's own ``StripeClient(base_addresses={"api": …})`` setting, so tests point
it at a local server speaking Stripe's API. Authorization = a PaymentIntent confirmed with
``capture_method=manual``; the idempotency key goes both in Stripe's ``Idempotency-Key`` header and in
the intent's metadata, which lets :meth:`StripeGateway.find` search for it after a timeout.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import stripe

from ..gateway import GatewayResult, GatewayTimeout, authentication_return_url
from .base import CardData, CardInfo, CardNotKept, ProviderUnavailable, Source, from_cents, to_cents

#: A stored card's token: the Stripe Customer the PaymentMethod is attached to, then the PaymentMethod.
#: Stripe ids are ``[A-Za-z0-9_]``, so the separator cannot occur inside one.
_KEPT_SEP = ":"


def kept_token(customer: str, payment_method: str) -> str:
    return f"{customer}{_KEPT_SEP}{payment_method}"


def split_kept(source: str) -> tuple[str | None, str]:
    """``(customer, payment_method)`` of a kept token; ``(None, pm)`` for a single-use PaymentMethod."""
    if source.startswith("cus_") and _KEPT_SEP in source:
        customer, _, pm = source.partition(_KEPT_SEP)
        return customer, pm
    return None, source


_STATUS = {
    "requires_capture": "authorized",
    "succeeded": "captured",
    "canceled": "voided",
    "requires_payment_method": "declined",
    "processing": "pending",
}


class StripeGateway:
    name = "stripe"
    #: Takes :class:`~.providers.base.CardData` from the vault as a source (server-side card authorization).
    accepts_card_data = True

    def __init__(
        self, api_key: str, *, api_base: str | None = None, timeout: float = 10.0, return_url: str | None = None
    ) -> None:
        #: Where Stripe sends the shopper back after a 3-D Secure challenge (given at confirm).
        self.return_url = return_url
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=stripe.HTTPXClient(timeout=timeout),
            max_network_retries=0,
        )

    def _result(self, pi: Any, ok: bool = True) -> GatewayResult:
        if pi["status"] == "requires_action":  # 3-D Secure: no money held until the shopper authenticates
            action = pi.get("next_action") or {}
            url = (action.get("redirect_to_url") or {}).get("url") if action.get("type") == "redirect_to_url" else None
            return GatewayResult(
                False, pi["id"], "requires_action", from_cents(int(pi["amount"])), "authentication_required",
                "the card's issuer asks the shopper to authenticate (3-D Secure)", next_action_url=url,
            )  # fmt: skip
        status = _STATUS.get(pi["status"], "failed")
        amount = from_cents(int(pi.get("amount_received") or pi["amount"]))
        if status == "authorized":
            amount = from_cents(int(pi["amount_capturable"] or pi["amount"]))
        return GatewayResult(ok and status != "declined", pi["id"], status, amount)

    async def _call(self, coro: Any) -> Any:
        try:
            obj = await coro
            return obj.to_dict() if isinstance(obj, stripe.StripeObject) else obj
        except stripe.APIConnectionError as exc:
            if isinstance(exc.__cause__, httpx.ConnectError):
                raise ProviderUnavailable("stripe: connection refused", delivered=False) from exc
            raise GatewayTimeout("stripe: no answer") from exc
        except stripe.StripeError as exc:
            if exc.http_status is None or exc.http_status >= 500 or exc.http_status == 429:
                raise ProviderUnavailable(f"stripe: {exc.http_status}", delivered=True) from exc
            raise

    def _declined(self, exc: stripe.StripeError, amount: Decimal) -> GatewayResult:
        err = exc.error
        code = (err.decline_code if err is not None and err.decline_code else None) or exc.code or "declined"
        reference = err.payment_intent["id"] if err is not None and err.payment_intent else None
        kind = "declined" if isinstance(exc, stripe.CardError) else "failed"
        return GatewayResult(False, reference, kind, amount, code, exc.user_message or str(exc))

    async def authorize(
        self,
        *,
        amount: Decimal,
        currency: str,
        source: Source,
        idempotency_key: str,
        description: str = "",
        installments: int = 1,
    ) -> GatewayResult:
        params: dict[str, Any] = {
            "amount": to_cents(amount),
            "currency": currency.lower(),
            "capture_method": "manual",
            "confirm": True,
            "metadata": {"idempotency_key": idempotency_key},
            "payment_method_types": ["card"],
        }
        if description:
            params["description"] = description
        return_url = authentication_return_url(self.return_url)  # the tenant's own address (its domain)
        if return_url:
            params["return_url"] = return_url
        if installments > 1:  # Stripe's card instalments (fixed count, monthly)
            params["payment_method_options"] = {
                "card": {"installments": {"plan": {"count": installments, "interval": "month", "type": "fixed_count"}}}
            }
        if isinstance(source, CardData):
            card: dict[str, Any] = {"number": source.number, "exp_month": source.exp_month, "exp_year": source.exp_year}
            if source.cvv:
                card["cvc"] = source.cvv
            params["payment_method_data"] = {"type": "card", "card": card}
        else:
            customer, params["payment_method"] = split_kept(source)
            if customer is not None:  # a stored card: Stripe charges an attached PaymentMethod with its Customer
                params["customer"] = customer
        try:
            pi = await self._call(
                self.client.v1.payment_intents.create_async(params, {"idempotency_key": idempotency_key})  # type: ignore[arg-type]
            )
        except stripe.StripeError as exc:
            return self._declined(exc, amount)
        return self._result(pi)

    async def capture(self, reference: str, amount: Decimal, *, idempotency_key: str) -> GatewayResult:
        try:
            pi = await self._call(
                self.client.v1.payment_intents.capture_async(
                    reference, {"amount_to_capture": to_cents(amount)}, {"idempotency_key": idempotency_key}
                )
            )
        except stripe.StripeError as exc:
            return self._declined(exc, amount)
        return self._result(pi)

    async def void(self, reference: str, *, idempotency_key: str) -> GatewayResult:
        try:
            pi = await self._call(
                self.client.v1.payment_intents.cancel_async(reference, {}, {"idempotency_key": idempotency_key})
            )
        except stripe.StripeError as exc:
            return self._declined(exc, Decimal("0"))
        return self._result(pi)

    async def refund(self, reference: str, amount: Decimal, *, idempotency_key: str) -> GatewayResult:
        try:
            rf = await self._call(
                self.client.v1.refunds.create_async(
                    {"payment_intent": reference, "amount": to_cents(amount)}, {"idempotency_key": idempotency_key}
                )
            )
        except stripe.StripeError as exc:
            return self._declined(exc, amount)
        ok = rf["status"] in ("succeeded", "pending")
        return GatewayResult(ok, reference, "refunded" if ok else "failed", from_cents(int(rf["amount"])))

    async def status(self, reference: str) -> GatewayResult:
        return self._result(await self._call(self.client.v1.payment_intents.retrieve_async(reference)))

    async def describe(self, token: str) -> CardInfo | None:
        """A PaymentMethod made by Stripe.js (``pm_…``): its card's brand, last 4, expiry and fingerprint."""
        if not token.startswith("pm_"):
            return None
        try:
            pm = await self._call(self.client.v1.payment_methods.retrieve_async(token))
        except stripe.InvalidRequestError:  # resource_missing
            return None
        card = pm.get("card") or {}
        if pm.get("type") != "card" or not card:
            return None
        return CardInfo(
            "stripe", pm["id"], str(card["brand"]), str(card["last4"]), int(card["exp_month"]),
            int(card["exp_year"]), str(card.get("fingerprint") or pm["id"]),
        )  # fmt: skip

    async def keep(self, token: str, *, customer_ref: str) -> str:
        """Stripe reuses a PaymentMethod only once it is attached to a Customer (a PaymentMethod charged
        without one "may not be used again"): a Customer is created for the stored card (its metadata names
        our customer by id only: no name or e-mail goes to Stripe) and the PaymentMethod attached to it.
        Both calls carry idempotency keys derived from the PaymentMethod, so a retried request creates
        neither twice."""
        if not token.startswith("pm_"):
            raise CardNotKept("not a Stripe PaymentMethod")
        try:
            customer = await self._call(
                self.client.v1.customers.create_async(
                    {"metadata": {"ecovarejo_customer": customer_ref}}, {"idempotency_key": f"keep-customer-{token}"}
                )
            )
            await self._call(
                self.client.v1.payment_methods.attach_async(
                    token, {"customer": customer["id"]}, {"idempotency_key": f"keep-attach-{token}"}
                )
            )
        except stripe.InvalidRequestError as exc:  # spent (used without a Customer) or another Customer's
            raise CardNotKept(exc.user_message or str(exc)) from exc
        return kept_token(str(customer["id"]), token)

    async def find(self, idempotency_key: str) -> GatewayResult | None:
        query = f"metadata['idempotency_key']:'{idempotency_key.replace(chr(39), '')}'"
        found = await self._call(self.client.v1.payment_intents.search_async({"query": query}))
        items = list(found["data"])
        return self._result(items[0]) if items else None
