"""The part of Mercado Pago's API the adapter uses: ``/v1/card_tokens``, ``/v1/payments`` (create with
``capture: false``, get, search by ``external_reference``, capture and cancel by PUT) and refunds.
JSON bodies with decimal reais, ``Authorization: Bearer``, mandatory ``X-Idempotency-Key`` on POST,
Mercado Pago's ``{"message", "error", "status", "cause": [...]}`` errors."""

from __future__ import annotations

import asyncio
import itertools
import json
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import Behaviour

#: Tokens (or card numbers) Mercado Pago's test cards reject, and why.
REJECTED = {"rej_funds": "cc_rejected_insufficient_amount", "4000000000000002": "cc_rejected_other_reason"}


def _err(status: int, error: str, message: str, code: int | str = 0) -> JSONResponse:
    body = {"message": message, "error": error, "status": status, "cause": [{"code": code, "description": message}]}
    return JSONResponse(body, status_code=status)


class MercadoPagoFake(Behaviour):
    def __init__(self) -> None:
        super().__init__()
        self.payments: dict[int, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}
        self.idem: dict[str, tuple[int, Any]] = {}
        self.seq = itertools.count(1000001)
        self.charges = 0

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/card_tokens", self.card_token, methods=["POST"]),
                Route("/v1/payments", self.create, methods=["POST"]),
                Route("/v1/payments/search", self.search, methods=["GET"]),
                Route("/v1/payments/{id:int}", self.get, methods=["GET"]),
                Route("/v1/payments/{id:int}", self.update, methods=["PUT"]),
                Route("/v1/payments/{id:int}/refunds", self.refund, methods=["POST"]),
            ]
        )

    async def _guard(self, request: Request, *, post: bool) -> tuple[dict[str, Any], JSONResponse | None]:
        raw = await request.body()
        body = json.loads(raw, parse_float=Decimal) if raw else {}
        self.requests.append({"path": request.url.path, "headers": dict(request.headers), "json": body})
        if not request.headers.get("authorization", "").startswith("Bearer TEST-"):
            return body, _err(401, "unauthorized", "invalid access token", 2002)
        if post and not request.headers.get("x-idempotency-key"):
            return body, _err(400, "bad_request", "X-Idempotency-Key header is required", 4292)
        if self.fail_next > 0:
            self.fail_next -= 1
            return body, _err(500, "internal_error", "internal_error")
        return body, None

    def _replay(self, request: Request) -> JSONResponse | None:
        key = request.headers.get("x-idempotency-key")
        if key and key in self.idem:
            status, body = self.idem[key]
            return JSONResponse(body, status_code=status)
        return None

    def _store(self, request: Request, status: int, body: Any) -> JSONResponse:
        key = request.headers.get("x-idempotency-key")
        if key:
            self.idem[key] = (status, body)
        return JSONResponse(body, status_code=status)

    async def card_token(self, request: Request) -> JSONResponse:
        body, err = await self._guard(request, post=True)
        if err is not None:
            return err
        token = f"tok_{next(self.seq)}"
        self.tokens[token] = str(body.get("card_number", ""))
        return JSONResponse({"id": token, "last_four_digits": self.tokens[token][-4:]}, status_code=201)

    async def create(self, request: Request) -> JSONResponse:
        body, err = await self._guard(request, post=True)
        if err is not None:
            return err
        replay = self._replay(request)
        if replay is not None:
            return replay
        if self.delay_before_charge:
            await asyncio.sleep(self.delay_before_charge)
        amount = body.get("transaction_amount")
        if not isinstance(amount, Decimal) or amount <= 0 or not body.get("token"):
            return _err(400, "bad_request", "transaction_amount and token are required", 4020)
        pid = next(self.seq)
        token = str(body["token"])
        reason = REJECTED.get(token) or REJECTED.get(self.tokens.get(token, ""))
        payment = {
            "id": pid,
            "status": "rejected" if reason else ("authorized" if body.get("capture") is False else "approved"),
            "status_detail": reason or ("pending_capture" if body.get("capture") is False else "accredited"),
            "transaction_amount": amount,
            "captured": False,
            "external_reference": body.get("external_reference"),
            "transaction_amount_refunded": Decimal("0"),
        }
        self.payments[pid] = payment
        if not reason:
            self.charges += 1
        response = self._store(request, 201, _jsonable(payment))
        if self.delay_after_charge:
            await asyncio.sleep(self.delay_after_charge)
        return response

    async def get(self, request: Request) -> JSONResponse:
        _, err = await self._guard(request, post=False)
        if err is not None:
            return err
        payment = self.payments.get(request.path_params["id"])
        if payment is None:
            return _err(404, "not_found", "Payment not found", 2000)
        return JSONResponse(_jsonable(payment))

    async def search(self, request: Request) -> JSONResponse:
        _, err = await self._guard(request, post=False)
        if err is not None:
            return err
        ref = request.query_params.get("external_reference")
        results = [_jsonable(p) for p in self.payments.values() if p["external_reference"] == ref]
        return JSONResponse({"results": results, "paging": {"total": len(results), "limit": 30, "offset": 0}})

    async def update(self, request: Request) -> JSONResponse:
        body, err = await self._guard(request, post=False)
        if err is not None:
            return err
        payment = self.payments.get(request.path_params["id"])
        if payment is None:
            return _err(404, "not_found", "Payment not found", 2000)
        if body.get("capture") is True:
            if payment["status"] != "authorized":
                return _err(400, "bad_request", "Payment can't be captured", 2024)
            amount = body.get("transaction_amount", payment["transaction_amount"])
            if amount > payment["transaction_amount"]:
                return _err(400, "bad_request", "Invalid capture amount", 2025)
            payment.update(status="approved", status_detail="accredited", captured=True, transaction_amount=amount)
        elif body.get("status") == "cancelled":
            if payment["status"] not in ("authorized", "pending", "in_process"):
                return _err(400, "bad_request", "Payment can't be cancelled", 2026)
            payment.update(status="cancelled", status_detail="by_collector")
        return JSONResponse(_jsonable(payment))

    async def refund(self, request: Request) -> JSONResponse:
        body, err = await self._guard(request, post=True)
        if err is not None:
            return err
        replay = self._replay(request)
        if replay is not None:
            return replay
        payment = self.payments.get(request.path_params["id"])
        if payment is None or payment["status"] not in ("approved",):
            return _err(400, "bad_request", "Payment not refundable", 2063)
        remaining = payment["transaction_amount"] - payment["transaction_amount_refunded"]
        amount = body.get("amount", remaining)
        if amount > remaining:
            return _err(400, "bad_request", "Invalid refund amount", 2085)
        payment["transaction_amount_refunded"] += amount
        if payment["transaction_amount_refunded"] == payment["transaction_amount"]:
            payment["status"] = "refunded"
        refund = {"id": next(self.seq), "payment_id": payment["id"], "amount": amount, "status": "approved"}
        return self._store(request, 201, _jsonable(refund))


def _jsonable(obj: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(obj, default=lambda d: float(d)))
