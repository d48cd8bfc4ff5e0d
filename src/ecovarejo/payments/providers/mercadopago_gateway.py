"""Mercado Pago through the official ``mercadopago`` SDK (Checkout API, ``/v1/payments``).

The SDK has no base-URL setting (``Config.api_base_url`` is a constant), but it accepts an
``http_client`` of its own type: :class:`_BaseUrlHttpClient` subclasses the SDK's ``HttpClient`` and
only rewrites the ``https://api.mercadopago.com`` prefix of each URL to the configured base, leaving
headers, JSON encoding, retries and error handling to the SDK. The SDK is synchronous, so calls run in a
worker thread. ``X-Idempotency-Key`` (mandatory for Mercado Pago's POSTs) carries our key; the key is
also the payment's ``external_reference`` so :meth:`MercadoPagoGateway.find` can search for it.

Mercado Pago amounts are decimal reais in JSON numbers: the exact ``Decimal`` is turned into a JSON
number only at this boundary (two decimals, so the float's shortest form is the exact value) and read
back through ``str``.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import mercadopago
import requests
from mercadopago.config import Config, RequestOptions
from mercadopago.http import HttpClient

from ..gateway import GatewayResult, GatewayTimeout
from .base import CardData, ProviderUnavailable, Source

_STATUS = {
    "authorized": "authorized",
    "approved": "captured",
    "cancelled": "voided",
    "refunded": "refunded",
    "rejected": "declined",
    "pending": "pending",
    "in_process": "pending",
    "charged_back": "charged_back",
}


class _BaseUrlHttpClient(HttpClient):  # type: ignore[misc]
    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.default_base = Config().api_base_url
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith(self.default_base):
            url = self.base_url + url[len(self.default_base) :]
        return super().request(method, url, *args, **kwargs)


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _wire(amount: Decimal) -> float:
    return float(amount.quantize(Decimal("0.01")))


class MercadoPagoGateway:
    name = "mercadopago"
    #: Takes :class:`~.providers.base.CardData` from the vault as a source (server-side card authorization).
    accepts_card_data = True

    def __init__(self, access_token: str, *, api_base: str | None = None, timeout: float = 10.0) -> None:
        client = _BaseUrlHttpClient(api_base) if api_base else HttpClient()
        self.timeout = timeout
        self.sdk = mercadopago.SDK(access_token, http_client=client)
        self.access_token = access_token

    def _options(self, key: str | None = None) -> RequestOptions:
        opts = RequestOptions(
            access_token=self.access_token, connection_timeout=self.timeout, max_retries=0, initial_delay=0
        )
        if key is not None:
            opts.custom_headers = {"X-Idempotency-Key": key[:64]}
        return opts

    async def _call(self, fn: Any, *args: Any) -> dict[str, Any]:
        try:
            res = await asyncio.to_thread(fn, *args)
        except requests.ConnectTimeout as exc:  # never connected: nothing was sent
            raise ProviderUnavailable("mercadopago: connect timeout", delivered=False) from exc
        except requests.Timeout as exc:  # sent, no answer: the outcome is unknown
            raise GatewayTimeout("mercadopago: no answer") from exc
        except requests.ConnectionError as exc:
            refused = "NewConnectionError" in repr(exc) or "Connection refused" in str(exc)
            raise ProviderUnavailable("mercadopago: connection failed", delivered=not refused) from exc
        status = int(res["status"])
        if status >= 500 or status == 429:
            raise ProviderUnavailable(f"mercadopago: {status}", delivered=True)
        return {"status": status, "body": res.get("response") or {}}

    def _result(self, body: dict[str, Any]) -> GatewayResult:
        status = _STATUS.get(str(body.get("status")), "failed")
        ok = status not in ("declined", "failed")
        code = None if ok else str(body.get("status_detail") or "declined")
        return GatewayResult(ok, str(body["id"]), status, _money(body.get("transaction_amount", 0)), code)

    def _error(self, res: dict[str, Any], amount: Decimal, reference: str | None = None) -> GatewayResult:
        body = res["body"]
        causes = body.get("cause") or []
        code = str(causes[0].get("code")) if causes else str(body.get("error") or "failed")
        return GatewayResult(False, reference, "failed", amount, code, str(body.get("message") or ""))

    async def _card_token(self, card: CardData, key: str) -> str | dict[str, Any]:
        data: dict[str, Any] = {
            "card_number": card.number,
            "expiration_month": card.exp_month,
            "expiration_year": card.exp_year,
            "cardholder": {"name": card.holder or "CARDHOLDER"},
        }
        if card.cvv:
            data["security_code"] = card.cvv
        res = await self._call(self.sdk.card_token().create, data, self._options(f"{key}:token"[-64:]))
        if res["status"] >= 300:
            return res
        return str(res["body"]["id"])

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
        token: str | dict[str, Any] = (
            source if isinstance(source, str) else await self._card_token(source, idempotency_key)
        )
        if isinstance(token, dict):
            return self._error(token, amount)
        payment = {
            "transaction_amount": _wire(amount),
            "token": token,
            "installments": installments,
            "capture": False,
            "external_reference": idempotency_key,
            "description": description or "EcoVarejo",
            "payer": {"email": "comprador@ecovarejo.invalid"},
        }
        res = await self._call(self.sdk.payment().create, payment, self._options(idempotency_key))
        if res["status"] >= 300:
            return self._error(res, amount)
        return self._result(res["body"])

    async def capture(self, reference: str, amount: Decimal, *, idempotency_key: str) -> GatewayResult:
        res = await self._call(self.sdk.payment().capture, reference, _wire(amount), self._options(idempotency_key))
        return self._error(res, amount, reference) if res["status"] >= 300 else self._result(res["body"])

    async def void(self, reference: str, *, idempotency_key: str) -> GatewayResult:
        res = await self._call(
            self.sdk.payment().update, reference, {"status": "cancelled"}, self._options(idempotency_key)
        )
        return self._error(res, Decimal("0"), reference) if res["status"] >= 300 else self._result(res["body"])

    async def refund(self, reference: str, amount: Decimal, *, idempotency_key: str) -> GatewayResult:
        res = await self._call(
            self.sdk.refund().create, reference, {"amount": _wire(amount)}, self._options(idempotency_key)
        )
        if res["status"] >= 300:
            return self._error(res, amount, reference)
        ok = res["body"].get("status") == "approved"
        return GatewayResult(ok, reference, "refunded" if ok else "failed", _money(res["body"].get("amount", 0)))

    async def status(self, reference: str) -> GatewayResult:
        res = await self._call(self.sdk.payment().get, reference, self._options())
        return self._error(res, Decimal("0"), reference) if res["status"] >= 300 else self._result(res["body"])

    async def find(self, idempotency_key: str) -> GatewayResult | None:
        res = await self._call(self.sdk.payment().search, {"external_reference": idempotency_key}, self._options())
        results = res["body"].get("results") or []
        return self._result(results[0]) if results else None
