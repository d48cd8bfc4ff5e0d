"""PagSeguro (PagBank) through its public REST API (API de Pedidos) with httpx.

Authorization = ``POST /orders`` with one card charge (``capture: false``); capture
``POST /charges/{id}/capture``; void and refund ``POST /charges/{id}/cancel`` (the amount decides a
partial refund). Amounts are integer centavos; ``x-idempotency-key`` carries our key. PagBank offers no
search by our key, so failover never moves on from PagBank after an unknown outcome (timeout, 5xx).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from ecovarejo.core.outbound import OutboundPolicy, outbound_client

from ..gateway import GatewayResult, GatewayTimeout
from .base import CardData, ProviderUnavailable, Source, from_cents, to_cents

_STATUS = {
    "AUTHORIZED": "authorized",
    "PAID": "captured",
    "CANCELED": "voided",
    "DECLINED": "declined",
    "IN_ANALYSIS": "pending",
    "WAITING": "pending",
}


class PagSeguroGateway:
    name = "pagseguro"
    #: Takes :class:`~.providers.base.CardData` from the vault as a source (server-side card authorization).
    accepts_card_data = True

    def __init__(self, token: str, *, api_base: str, timeout: float = 10.0) -> None:
        # the one outbound factory (core/outbound.py): the configured API host is trusted, nothing else
        self.http = outbound_client(
            OutboundPolicy(allow_http=True).trusting(api_base),
            base_url=api_base.rstrip("/"),
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _post(self, path: str, body: dict[str, Any], key: str | None) -> httpx.Response:
        headers = {"x-idempotency-key": key} if key else {}
        return await self._send("POST", path, json=body, headers=headers)

    async def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            res = await self.http.request(method, path, **kw)
        except httpx.ConnectError as exc:
            raise ProviderUnavailable("pagseguro: connection refused", delivered=False) from exc
        except httpx.TimeoutException as exc:
            raise GatewayTimeout("pagseguro: no answer") from exc
        except httpx.TransportError as exc:
            raise ProviderUnavailable("pagseguro: transport error", delivered=True) from exc
        if res.status_code >= 500 or res.status_code == 429:
            raise ProviderUnavailable(f"pagseguro: {res.status_code}", delivered=True)
        return res

    def _charge(self, charge: dict[str, Any], refund: bool = False) -> GatewayResult:
        status = _STATUS.get(str(charge.get("status")), "failed")
        amount = charge.get("amount") or {}
        summary = amount.get("summary") or {}
        if status == "voided" and summary.get("paid"):
            status = "refunded"
        ok = status not in ("declined", "failed")
        code = None
        if not ok:
            code = str((charge.get("payment_response") or {}).get("code") or "declined")
        value = summary.get("refunded") if refund else amount.get("value", 0)
        return GatewayResult(ok, str(charge["id"]), status, from_cents(int(value or 0)), code)

    @staticmethod
    def _error(res: httpx.Response, amount: Decimal, reference: str | None = None) -> GatewayResult:
        try:
            errors = res.json().get("error_messages") or [{}]
        except ValueError:
            errors = [{}]
        first = errors[0]
        code = str(first.get("code") or res.status_code)
        return GatewayResult(False, reference, "failed", amount, code, str(first.get("description") or ""))

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
        if isinstance(source, CardData):
            card: dict[str, Any] = {
                "number": source.number,
                "exp_month": source.exp_month,
                "exp_year": source.exp_year,
                "holder": {"name": source.holder or "CARDHOLDER"},
                "store": False,
            }
            if source.cvv:
                card["security_code"] = source.cvv
        else:
            card = {"encrypted": source, "store": False}
        body = {
            "reference_id": idempotency_key[:64],
            "items": [{"name": description or "EcoVarejo", "quantity": 1, "unit_amount": to_cents(amount)}],
            "charges": [
                {
                    "reference_id": idempotency_key[:64],
                    "description": (description or "EcoVarejo")[:64],
                    "amount": {"value": to_cents(amount), "currency": currency.upper()},
                    "payment_method": {
                        "type": "CREDIT_CARD",
                        "installments": installments,
                        "capture": False,
                        "card": card,
                    },
                }
            ],
        }
        res = await self._post("/orders", body, idempotency_key)
        if res.status_code >= 300:
            return self._error(res, amount)
        return self._charge(res.json()["charges"][0])

    async def capture(self, reference: str, amount: Decimal, *, idempotency_key: str) -> GatewayResult:
        res = await self._post(
            f"/charges/{reference}/capture", {"amount": {"value": to_cents(amount)}}, idempotency_key
        )
        return self._error(res, amount, reference) if res.status_code >= 300 else self._charge(res.json())

    async def void(self, reference: str, *, idempotency_key: str) -> GatewayResult:
        current = await self.status(reference)
        body = {"amount": {"value": to_cents(current.amount)}}
        res = await self._post(f"/charges/{reference}/cancel", body, idempotency_key)
        return self._error(res, current.amount, reference) if res.status_code >= 300 else self._charge(res.json())

    async def refund(self, reference: str, amount: Decimal, *, idempotency_key: str) -> GatewayResult:
        res = await self._post(f"/charges/{reference}/cancel", {"amount": {"value": to_cents(amount)}}, idempotency_key)
        if res.status_code >= 300:
            return self._error(res, amount, reference)
        result = self._charge(res.json())
        return GatewayResult(result.ok, reference, "refunded" if result.ok else result.status, amount, result.code)

    async def status(self, reference: str) -> GatewayResult:
        res = await self._send("GET", f"/charges/{reference}")
        return self._error(res, Decimal("0"), reference) if res.status_code >= 300 else self._charge(res.json())
