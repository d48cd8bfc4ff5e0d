"""The part of Melhor Envio's API v2 the adapter uses: ``/api/v2/me/shipment/calculate`` (one call, many
carriers; unavailable services carry ``error``), ``/cart`` → ``/shipment/checkout`` → ``/generate`` →
``/print``, ``/shipment/tracking``, ``/shipment/cancel``, ``GET /shipment/agencies`` (a carrier's agencies,
filtered by ``company``, ``country``, ``state`` and ``city``, in the API's nested address shape); Bearer
token and a User-Agent required."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "me-access-token"
SERVICES = [
    (1, "PAC", "Correios", Decimal("22.10"), 6, 8),
    (2, "SEDEX", "Correios", Decimal("41.30"), 2, 3),
    (3, ".Package", "Jadlog", Decimal("19.75"), 5, 7),
    (31, "Loggi Ponto", "Loggi", Decimal("17.40"), 4, 6),
]


#: Melhor Envio's company ids (Correios 1, Jadlog 2, Loggi 14).
COMPANY_IDS = {"Correios": 1, "Jadlog": 2, "Loggi": 14}


def _agency(aid: int, name: str, company: int, cep: str, street: str, district: str, city: str, uf: str) -> dict:
    return {
        "id": aid, "name": name, "initials": f"AG-{aid:03d}", "code": f"{1000000 + aid}",
        "company_name": f"{name} LTDA", "status": "available", "email": f"agencia{aid}@example.com",
        "companies": [{"id": company}],
        "address": {
            "id": aid, "label": "Agência", "postal_code": cep.lstrip("0"), "address": street, "number": None,
            "complement": None, "district": district, "latitude": -23.5, "longitude": -46.6,
            "city": {"id": aid, "city": city, "state": {"id": 25, "state": city, "state_abbr": uf,
                                                         "country": {"id": "BR", "country": "Brazil"}}},
        },
        "phone": {"id": aid, "label": "Agência", "phone": "1130000000", "type": "fixed", "country_id": "BR"},
    }  # fmt: skip


AGENCIES = [
    _agency(101, "Jadlog Paulista", 2, "01311000", "Avenida Paulista, 900", "Bela Vista", "São Paulo", "SP"),
    _agency(102, "Jadlog Pinheiros", 2, "05422000", "Rua dos Pinheiros, 300", "Pinheiros", "São Paulo", "SP"),
    _agency(103, "Jadlog Campinas", 2, "13010000", "Rua Barão de Jaguara, 10", "Centro", "Campinas", "SP"),
    _agency(104, "Jadlog Centro Rio", 2, "20040020", "Rua da Assembleia, 10", "Centro", "Rio de Janeiro", "RJ"),
    _agency(201, "Loggi Ponto Sé", 14, "01001000", "Praça da Sé, 100", "Sé", "São Paulo", "SP"),
]


class MelhorEnvioFake:
    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.reset()

    def reset(self) -> None:
        self.down = False
        self.delay = 0.0
        self.fail_generate = False
        self.calls: list[str] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self.cancelled: list[str] = []
        self.seq = itertools.count(1)
        self.agency_queries: list[dict[str, str]] = []

    def app(self) -> Starlette:
        p = "/api/v2/me"
        return Starlette(
            routes=[
                Route(f"{p}/shipment/calculate", self.calculate, methods=["POST"]),
                Route(f"{p}/cart", self.cart, methods=["POST"]),
                Route(f"{p}/shipment/checkout", self.checkout, methods=["POST"]),
                Route(f"{p}/shipment/generate", self.generate, methods=["POST"]),
                Route(f"{p}/shipment/print", self.print_, methods=["POST"]),
                Route(f"{p}/shipment/tracking", self.tracking, methods=["POST"]),
                Route(f"{p}/shipment/cancel", self.cancel, methods=["POST"]),
                Route(f"{p}/shipment/agencies", self.agencies, methods=["GET"]),
            ]
        )

    async def _guard(self, request: Request) -> tuple[Any, Response | None]:
        self.calls.append(request.url.path)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            return None, JSONResponse({"message": "Server Error"}, status_code=500)
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return None, JSONResponse({"message": "Unauthenticated."}, status_code=401)
        if not request.headers.get("user-agent"):
            return None, JSONResponse({"message": "User-Agent required"}, status_code=400)
        return (await request.json() if request.method == "POST" else None), None

    async def calculate(self, request: Request) -> Response:
        body, bad = await self._guard(request)
        if bad is not None:
            return bad
        weight = Decimal(str(body["package"]["weight"]))
        wanted = {int(s) for s in str(body.get("services") or "").split(",") if s}
        out = []
        for sid, name, company, price, dmin, dmax in SERVICES:
            if wanted and sid not in wanted:
                continue
            cid = COMPANY_IDS[company]
            entry: dict[str, Any] = {"id": sid, "name": name, "company": {"id": cid, "name": company, "picture": ""}}
            if company == "Loggi" and body["to"]["postal_code"][:1] not in "01":
                entry["error"] = "Serviço indisponível para o trecho."
            else:
                total = price + weight.to_integral_value() * Decimal("3.00")
                entry.update(
                    price=f"{total:.2f}", custom_price=f"{total:.2f}", discount="0.00", currency="R$",
                    delivery_time=dmax, delivery_range={"min": dmin, "max": dmax},
                    custom_delivery_time=dmax, custom_delivery_range={"min": dmin, "max": dmax},
                )  # fmt: skip
            out.append(entry)
        return JSONResponse(out)

    async def cart(self, request: Request) -> Response:
        body, bad = await self._guard(request)
        if bad is not None:
            return bad
        if body.get("service") not in {s[0] for s in SERVICES}:
            return JSONResponse({"message": "O serviço selecionado é inválido."}, status_code=422)
        oid = str(uuid.uuid4())
        self.orders[oid] = {"status": "pending", "body": body, "n": next(self.seq)}
        return JSONResponse({"id": oid, "protocol": f"ORD-{self.orders[oid]['n']:08d}", "service_id": body["service"],
                             "price": 25.5, "status": "pending"}, status_code=201)  # fmt: skip

    async def checkout(self, request: Request) -> Response:
        body, bad = await self._guard(request)
        if bad is not None:
            return bad
        for oid in body["orders"]:
            self.orders[oid]["status"] = "released"
        return JSONResponse({"purchase": {"id": str(uuid.uuid4()), "status": "paid", "orders": body["orders"]}})

    async def generate(self, request: Request) -> Response:
        body, bad = await self._guard(request)
        if bad is not None:
            return bad
        if self.fail_generate:
            return JSONResponse({"message": "Não foi possível gerar a etiqueta."}, status_code=422)
        out = {}
        for oid in body["orders"]:
            o = self.orders[oid]
            o["status"], o["tracking"] = "generated", f"ME{o['n']:011d}BR"
            out[oid] = {"status": True, "message": "Envio gerado com sucesso"}
        return JSONResponse(out)

    async def print_(self, request: Request) -> Response:
        body, bad = await self._guard(request)
        if bad is not None:
            return bad
        return JSONResponse({"url": f"{request.base_url}imprimir/{body['orders'][0]}"})

    async def tracking(self, request: Request) -> Response:
        body, bad = await self._guard(request)
        if bad is not None:
            return bad
        out = {}
        for oid in body["orders"]:
            o = self.orders.get(oid)
            if o:
                out[oid] = {"id": oid, "status": o["status"], "tracking": o.get("tracking"),
                            "posted_at": o.get("posted_at"), "delivered_at": o.get("delivered_at"),
                            "canceled_at": o.get("canceled_at")}  # fmt: skip
        return JSONResponse(out)

    async def cancel(self, request: Request) -> Response:
        body, bad = await self._guard(request)
        if bad is not None:
            return bad
        oid = body["order"]["id"]
        self.cancelled.append(oid)
        if oid in self.orders:
            self.orders[oid]["status"] = "canceled"
        return JSONResponse({oid: {"canceled": True}})

    async def agencies(self, request: Request) -> Response:
        _, bad = await self._guard(request)
        if bad is not None:
            return bad
        q = dict(request.query_params)
        self.agency_queries.append(q)
        out = []
        for a in AGENCIES:
            city = a["address"]["city"]
            if q.get("company") and int(q["company"]) not in {c["id"] for c in a["companies"]}:
                continue
            if q.get("state") and city["state"]["state_abbr"] != q["state"]:
                continue
            if q.get("city") and city["city"].lower() != q["city"].lower():
                continue
            out.append(a)
        return JSONResponse(out)
