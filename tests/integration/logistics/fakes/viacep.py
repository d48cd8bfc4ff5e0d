"""ViaCEP's API: ``GET /ws/{cep}/json/`` answers the address, ``{"erro": "true"}`` for an unknown CEP
and 400 for a malformed one."""

from __future__ import annotations

import asyncio
import re

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ADDRESSES = {
    "01310100": {
        "cep": "01310-100",
        "logradouro": "Avenida Paulista",
        "complemento": "de 612 a 1510 - lado par",
        "unidade": "",
        "bairro": "Bela Vista",
        "localidade": "São Paulo",
        "uf": "SP",
        "estado": "São Paulo",
        "regiao": "Sudeste",
        "ibge": "3550308",
        "gia": "1004",
        "ddd": "11",
        "siafi": "7107",
    },
    "69005040": {
        "cep": "69005-040",
        "logradouro": "Rua Marcílio Dias",
        "complemento": "",
        "unidade": "",
        "bairro": "Centro",
        "localidade": "Manaus",
        "uf": "AM",
        "estado": "Amazonas",
        "regiao": "Norte",
        "ibge": "1302603",
        "gia": "",
        "ddd": "92",
        "siafi": "0255",
    },
}


UNKNOWN = {"01999999", "99999998"}


class ViaCepFake:
    def __init__(self) -> None:
        self.down = False
        self.delay = 0.0
        self.calls = 0

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/ws/{cep}/json/", self.lookup)])

    async def lookup(self, request: Request) -> Response:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            return Response("Bad Gateway", status_code=502)
        cep = request.path_params["cep"]
        if not re.fullmatch(r"\d{8}", cep):
            return Response("<h1>Erro 400</h1>", status_code=400, media_type="text/html")
        if cep in UNKNOWN:
            return JSONResponse({"erro": "true"})
        found = ADDRESSES.get(cep) or self.synthetic(cep)
        return JSONResponse(found if found else {"erro": "true"})

    @staticmethod
    def synthetic(cep: str) -> dict[str, str] | None:
        """Any other CEP in a state's range has an address (the real service knows them all)."""
        from ecovarejo.logistics.cep import uf_of

        uf = uf_of(cep)
        if uf is None:
            return None
        return {"cep": f"{cep[:5]}-{cep[5:]}", "logradouro": "Rua das Flores", "complemento": "", "unidade": "",
                "bairro": "Centro", "localidade": f"Cidade {uf}", "uf": uf, "ibge": "", "gia": "", "ddd": "",
                "siafi": ""}  # fmt: skip
