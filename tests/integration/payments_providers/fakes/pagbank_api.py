"""The part of PagBank's API de Pedidos the adapter uses: ``POST /orders`` with a card charge,
``GET /charges/{id}``, ``POST /charges/{id}/capture`` and ``/cancel``. JSON with integer centavos,
``Authorization: Bearer``, ``x-idempotency-key`` replays, ``{"error_messages": [...]}`` errors."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import Behaviour

DECLINED = {"4000000000000002": ("10002", "NAO AUTORIZADO"), "enc_declined": ("10002", "NAO AUTORIZADO")}


def _err(status: int, code: str, description: str, parameter: str | None = None) -> JSONResponse:
    item = {"code": code, "description": description}
    if parameter:
        item["parameter_name"] = parameter
    return JSONResponse({"error_messages": [item]}, status_code=status)


class PagBankFake(Behaviour):
    def __init__(self) -> None:
        super().__init__()
        self.charges_by_id: dict[str, dict[str, Any]] = {}
        self.idem: dict[str, tuple[int, Any]] = {}
        self.seq = itertools.count(1)
        self.charges = 0

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/orders", self.create_order, methods=["POST"]),
                Route("/charges/{id}", self.get_charge, methods=["GET"]),
                Route("/charges/{id}/capture", self.capture, methods=["POST"]),
                Route("/charges/{id}/cancel", self.cancel, methods=["POST"]),
            ]
        )

    async def _guard(self, request: Request) -> tuple[dict[str, Any], JSONResponse | None]:
        body = await request.json() if request.method == "POST" else {}
        self.requests.append({"path": request.url.path, "headers": dict(request.headers), "json": body})
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return body, _err(401, "UNAUTHORIZED", "Invalid credential. Review AUTHORIZATION header")
        if self.fail_next > 0:
            self.fail_next -= 1
            return body, _err(500, "50000", "internal_server_error")
        key = request.headers.get("x-idempotency-key")
        if key and key in self.idem:
            status, stored = self.idem[key]
            return body, JSONResponse(stored, status_code=status)
        return body, None

    def _store(self, request: Request, status: int, body: Any) -> JSONResponse:
        key = request.headers.get("x-idempotency-key")
        if key:
            self.idem[key] = (status, body)
        return JSONResponse(body, status_code=status)

    async def create_order(self, request: Request) -> JSONResponse:
        body, early = await self._guard(request)
        if early is not None:
            return early
        if self.delay_before_charge:
            await asyncio.sleep(self.delay_before_charge)
        charges = body.get("charges") or []
        if len(charges) != 1:
            return _err(400, "40002", "invalid_parameter", "charges")
        ch = charges[0]
        value = (ch.get("amount") or {}).get("value")
        if not isinstance(value, int) or value <= 0:
            return _err(400, "40002", "invalid_parameter", "charges[0].amount.value")
        card = (ch.get("payment_method") or {}).get("card") or {}
        declined = DECLINED.get(card.get("number") or card.get("encrypted") or "")
        cid = f"CHAR_{next(self.seq):08d}"
        capture = (ch.get("payment_method") or {}).get("capture", True)
        charge = {
            "id": cid,
            "reference_id": ch.get("reference_id"),
            "status": "DECLINED" if declined else ("AUTHORIZED" if capture is False else "PAID"),
            "amount": {"value": value, "currency": "BRL", "summary": {"total": value, "paid": 0, "refunded": 0}},
            "payment_response": {"code": declined[0], "message": declined[1]}
            if declined
            else {"code": "20000", "message": "SUCESSO"},
        }
        if charge["status"] == "PAID":
            charge["amount"]["summary"]["paid"] = value
        if not declined:
            self.charges += 1
        self.charges_by_id[cid] = charge
        order = {"id": f"ORDE_{next(self.seq):08d}", "reference_id": body.get("reference_id"), "charges": [charge]}
        response = self._store(request, 201, order)
        if self.delay_after_charge:
            await asyncio.sleep(self.delay_after_charge)
        return response

    async def get_charge(self, request: Request) -> JSONResponse:
        _, early = await self._guard(request)
        if early is not None:
            return early
        charge = self.charges_by_id.get(request.path_params["id"])
        if charge is None:
            return _err(404, "40004", "charge not found")
        return JSONResponse(charge)

    async def capture(self, request: Request) -> JSONResponse:
        body, early = await self._guard(request)
        if early is not None:
            return early
        charge = self.charges_by_id.get(request.path_params["id"])
        if charge is None or charge["status"] != "AUTHORIZED":
            return _err(400, "40002", "charge cannot be captured")
        value = int(body.get("amount", {}).get("value", charge["amount"]["value"]))
        if value > charge["amount"]["value"]:
            return _err(400, "40002", "invalid_parameter", "amount.value")
        charge["status"] = "PAID"
        charge["amount"]["summary"]["paid"] = value
        return self._store(request, 201, charge)

    async def cancel(self, request: Request) -> JSONResponse:
        body, early = await self._guard(request)
        if early is not None:
            return early
        charge = self.charges_by_id.get(request.path_params["id"])
        if charge is None or charge["status"] not in ("AUTHORIZED", "PAID"):
            return _err(400, "40002", "charge cannot be canceled")
        summary = charge["amount"]["summary"]
        value = int(body.get("amount", {}).get("value", 0))
        if charge["status"] == "AUTHORIZED":
            charge["status"] = "CANCELED"
        else:
            if summary["refunded"] + value > summary["paid"]:
                return _err(400, "40002", "invalid_parameter", "amount.value")
            summary["refunded"] += value
            if summary["refunded"] == summary["paid"]:
                charge["status"] = "CANCELED"
        return self._store(request, 201, charge)
