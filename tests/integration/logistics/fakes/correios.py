"""The part of Correios' contract API (api.correios.com.br) the adapter uses: token by posting card,
``/preco/v1/nacional/{produto}``, ``/prazo/v1/nacional/{produto}``, pre-posting with its label PDF,
cancellation, ``/srorastro/v1/objetos/{codigo}`` and the agencies API ``/agencia/v1/unidades`` (filtered by
``uf``, ``municipio``, ``bairro``, repeated ``status`` and ``codigoTipoUnidade``; paged by ``page``/``size``,
answered as ``{"itens": [...], "page": {...}}``). Prices are Brazilian decimal strings."""

from __future__ import annotations

import asyncio
import base64
import itertools
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "eyJ.correios.token"
PDF = b"%PDF-1.4 fake Correios label\n%%EOF"
BASE = {"03298": Decimal("21.50"), "03220": Decimal("38.90"), "04227": Decimal("12.00")}
DAYS = {"03298": 7, "03220": 2, "04227": 9}


def _unit(
    uid: str,
    name: str,
    cep: str,
    street: str,
    district: str,
    city: str,
    uf: str,
    *,
    tipo: str = "09",
    status: str = "2",
) -> dict[str, Any]:
    """One unit as the agencies API describes it."""
    return {
        "id": uid, "codigoAntigo": "7" + uid[1:], "codigoCadastroGeral": int(uid), "nome": name,
        "ativa": status == "2", "status": status, "descStatus": "INSTALADO" if status == "2" else "DESATIVADO",
        "tipo": "A",
        "tipoUnidade": {"codigo": tipo, "descricao": "AGENCIA CORREIO" if tipo == "09" else "CENTRO DE DISTRIBUICAO",
                        "sigla": "AC -TCO" if tipo == "09" else "CDD"},
        "emails": [f"ag{uid}@correios.example"],
        "endereco": {"cep": cep, "uf": uf, "localidade": city, "municipio": city, "logradouro": street,
                     "bairro": district, "numero": "SN", "codigoIbge": "3550308", "regiao": "SDE",
                     "longitude": "-46.636301", "latitude": "-23.544201", "fuso": "UTC-03:00",
                     "fusoVerao": "UTC-03:00"},
        "horarios": {"funcionamento": "SEGUNDA À SEXTA", "iniExpediente": "09:00", "fimExpediente": "18:00",
                     "limitePostagemSemana": "17:35"},
        "codigoSro": ["01009972"], "dhAlteracao": "2021-03-16T01:01:22.27",
    }  # fmt: skip


UNITS = [
    _unit("00024419", "AC CENTRAL DE SAO PAULO", "01031970", "PRACA DO CORREIO", "CENTRO", "SAO PAULO", "SP"),
    _unit("00072001", "AC PINHEIROS", "05422970", "RUA DOS PINHEIROS", "PINHEIROS", "SAO PAULO", "SP"),
    _unit("00072002", "AC JARDIM PAULISTA", "01415970", "ALAMEDA SANTOS", "JARDIM PAULISTA", "SAO PAULO", "SP"),
    _unit("00072003", "AC SANTANA", "02012970", "RUA VOLUNTARIOS DA PATRIA", "SANTANA", "SAO PAULO", "SP"),
    _unit("00072004", "AC BUTANTA DESATIVADA", "05508970", "AVENIDA VITAL BRASIL", "BUTANTA", "SAO PAULO", "SP",
          status="5"),
    _unit("00072005", "CDD VILA MARIANA", "04116970", "RUA DOMINGOS DE MORAIS", "VILA MARIANA", "SAO PAULO", "SP",
          tipo="21"),
    _unit("00072006", "AC CENTRAL DO RIO DE JANEIRO", "20010974", "RUA PRIMEIRO DE MARCO", "CENTRO",
          "RIO DE JANEIRO", "RJ"),
]  # fmt: skip


def _msgs(status: int, *msgs: str) -> JSONResponse:
    return JSONResponse({"msgs": list(msgs), "date": "2026-12-01", "method": "GET", "path": "/", "causa": ""}, status)


class CorreiosFake:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.down = False
        self.delay = 0.0
        self.fail_label = False
        self.calls: list[str] = []
        self.preposts: dict[str, dict[str, Any]] = {}
        self.cancelled: list[str] = []
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.seq = itertools.count(1)
        self.units = list(UNITS)
        self.agency_queries: list[list[tuple[str, str]]] = []
        self.agencies_down = False

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/token/v1/autentica/cartaopostagem", self.token, methods=["POST"]),
                Route("/preco/v1/nacional/{produto}", self.price),
                Route("/prazo/v1/nacional/{produto}", self.deadline),
                Route("/prepostagem/v1/prepostagens", self.prepost, methods=["POST"]),
                Route("/prepostagem/v1/prepostagens/rotulo/assincrono/pdf", self.label, methods=["POST"]),
                Route("/prepostagem/v1/prepostagens/rotulo/download/assincrono/{recibo}", self.download),
                Route("/prepostagem/v1/prepostagens/{id}", self.cancel, methods=["DELETE"]),
                Route("/srorastro/v1/objetos/{codigo}", self.track),
                Route("/agencia/v1/unidades", self.units_list),
            ]
        )

    async def _guard(self, request: Request) -> Response | None:
        self.calls.append(request.url.path)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            return _msgs(503, "Serviço indisponível")
        if request.url.path.startswith("/token/"):
            return None
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return _msgs(401, "Token inválido")
        return None

    async def token(self, request: Request) -> Response:
        if (bad := await self._guard(request)) is not None:
            return bad
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Basic "):
            return _msgs(401, "Credenciais ausentes")
        body = await request.json()
        return JSONResponse(
            {"ambiente": "PRODUCAO", "perfil": "PJ", "cartaoPostagem": {"numero": body.get("numero")},
             "expiraEm": "2026-12-01T23:59:59", "token": TOKEN},
            status_code=201,
        )  # fmt: skip

    async def price(self, request: Request) -> Response:
        if (bad := await self._guard(request)) is not None:
            return bad
        produto = request.path_params["produto"]
        q = request.query_params
        if produto not in BASE:
            return _msgs(400, f"PRC-100: Produto {produto} não encontrado")
        grams = int(q["psObjeto"])
        far = q["cepDestino"][:1] != q["cepOrigem"][:1]
        price = BASE[produto] + Decimal(grams // 1000) * Decimal("4.00") + (Decimal("9.00") if far else 0)
        text = f"{price:.2f}".replace(".", ",")
        return JSONResponse({"coProduto": produto, "pcBase": text, "pcFinal": text, "psCobrado": str(grams)})

    async def deadline(self, request: Request) -> Response:
        if (bad := await self._guard(request)) is not None:
            return bad
        produto = request.path_params["produto"]
        return JSONResponse(
            {
                "coProduto": produto,
                "prazoEntrega": DAYS.get(produto, 10),
                "entregaDomiciliar": "S",
                "entregaSabado": "N",
            }
        )

    async def units_list(self, request: Request) -> Response:
        if (bad := await self._guard(request)) is not None:
            return bad
        if self.agencies_down:
            return _msgs(503, "Serviço indisponível")
        q = request.query_params
        self.agency_queries.append(sorted(q.multi_items()))
        try:
            page, size = int(q.get("page", "0")), int(q.get("size", "50"))
        except ValueError:
            return _msgs(400, "AGE-001: Paginação inválida")
        if size > 50 or size < 1 or page < 0:
            return _msgs(400, "AGE-002: O tamanho da página deve ser de 1 a 50")
        statuses, types = q.getlist("status"), q.getlist("codigoTipoUnidade")
        found = [
            u for u in self.units
            if (not q.get("uf") or u["endereco"]["uf"] == q["uf"])
            and (not q.get("municipio") or u["endereco"]["municipio"] == q["municipio"].upper())
            and (not q.get("bairro") or u["endereco"]["bairro"] == q["bairro"].upper())
            and (not statuses or u["status"] in statuses)
            and (not types or u["tipoUnidade"]["codigo"] in types)
        ]  # fmt: skip
        total = len(found)
        return JSONResponse({
            "itens": found[page * size:(page + 1) * size],
            "page": {"size": size, "totalElements": total, "totalPages": -(-total // size), "number": page},
        })  # fmt: skip

    async def prepost(self, request: Request) -> Response:
        if (bad := await self._guard(request)) is not None:
            return bad
        body = await request.json()
        if body.get("codigoServico") not in BASE:
            return _msgs(400, "PPN-001: Serviço inválido")
        n = next(self.seq)
        pid, code = f"PR{n:010d}", f"AB{n:09d}BR"
        self.preposts[pid] = {"body": body, "codigoObjeto": code}
        return JSONResponse({"id": pid, "codigoObjeto": code, "statusAtual": 1})

    async def label(self, request: Request) -> Response:
        if (bad := await self._guard(request)) is not None:
            return bad
        if self.fail_label:
            return _msgs(400, "Rótulo indisponível")
        ids = (await request.json())["idsPrePostagem"]
        return JSONResponse({"idRecibo": "REC-" + ids[0]})

    async def download(self, request: Request) -> Response:
        if (bad := await self._guard(request)) is not None:
            return bad
        return JSONResponse({"nome": "rotulo.pdf", "dados": base64.b64encode(PDF).decode()})

    async def cancel(self, request: Request) -> Response:
        if (bad := await self._guard(request)) is not None:
            return bad
        pid = request.path_params["id"]
        if pid not in self.preposts:
            return _msgs(404, "Pré-postagem não encontrada")
        self.cancelled.append(pid)
        return JSONResponse({"id": pid, "statusAtual": 2})

    async def track(self, request: Request) -> Response:
        if (bad := await self._guard(request)) is not None:
            return bad
        code = request.path_params["codigo"]
        return JSONResponse({"versao": "1.0", "quantidade": 1, "objetos": [{"codObjeto": code,
                             "eventos": list(reversed(self.events.get(code, [])))}]})  # fmt: skip

    def add_event(
        self, code: str, codigo: str, tipo: str, when: str, descricao: str, cidade: str = "SAO PAULO"
    ) -> None:
        self.events.setdefault(code, []).append(
            {"codigo": codigo, "tipo": tipo, "dtHrCriado": when, "descricao": descricao,
             "unidade": {"tipo": "Agência dos Correios", "endereco": {"cidade": cidade, "uf": "SP"}}}
        )  # fmt: skip
