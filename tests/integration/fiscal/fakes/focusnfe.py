"""Focus NFe's API v2 for NF-e, as our adapter uses it: HTTP basic with the token as user name;
``POST /v2/nfe?ref=`` (202 ``processando_autorizacao``; 422 ``requisicao_invalida`` for missing data),
``GET /v2/nfe/{ref}`` (``autorizado`` with the key and the documents' paths, or ``erro_autorizacao``),
``DELETE /v2/nfe/{ref}`` with a ``justificativa``, ``POST /v2/nfe/{ref}/carta_correcao`` with a
``correcao``, and the files under ``/arquivos_development/``.

The XML it hands out is an ``nfeProc`` in the portal's namespace with a real access key (state code,
year-month, issuer CNPJ, model 55, series, number, emission type, code, module-11 check digit)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ecovarejo.fiscal.nfe_xml import key_check_digit

TOKEN = "focus-token-homologacao"
UF_CODES = {"SP": "35", "RJ": "33", "MG": "31", "BA": "29", "PR": "41", "RS": "43", "AM": "13"}
REQUIRED = ("cnpj_emitente", "natureza_operacao", "data_emissao", "items", "valor_total", "nome_destinatario")
ITEM_REQUIRED = ("codigo_ncm", "cfop", "quantidade_comercial", "valor_unitario_comercial", "icms_origem")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Note:
    ref: str
    payload: dict[str, Any]
    status: str = "processando_autorizacao"
    chave: str | None = None
    numero: int = 0
    polls: int = 0
    sefaz: tuple[str, str] | None = None
    cce: list[str] = field(default_factory=list)


def _sum(payload: dict[str, Any], key: str) -> str:
    return str(sum((Decimal(str(i.get(key) or "0")) for i in payload["items"]), Decimal("0.00")))


def _pis_cofins(item: dict[str, Any]) -> str:
    """The item's PIS and COFINS groups as the provider writes them from its fields: CST 01/02 with a rate
    (``PISAliq``/``COFINSAliq``), otherwise ``PISOutr``/``COFINSOutr`` with zero values (CST 49, 99)."""
    out = ""
    for tax, tag in (("pis", "PIS"), ("cofins", "COFINS")):
        cst = item.get(f"{tax}_situacao_tributaria")
        if cst is None:
            continue
        if cst in ("01", "02"):
            out += (
                f"<{tag}><{tag}Aliq><CST>{cst}</CST><vBC>{item[f'{tax}_base_calculo']}</vBC>"
                f"<p{tag}>{Decimal(item[f'{tax}_aliquota_porcentual']):.4f}</p{tag}>"
                f"<v{tag}>{item[f'{tax}_valor']}</v{tag}></{tag}Aliq></{tag}>"
            )
        else:
            out += (
                f"<{tag}><{tag}Outr><CST>{cst}</CST><vBC>0.00</vBC><p{tag}>0.0000</p{tag}>"
                f"<v{tag}>0.00</v{tag}></{tag}Outr></{tag}>"
            )
    return out


def _cobr(payload: dict[str, Any]) -> str:
    if "numero_fatura" not in payload and not payload.get("duplicatas"):
        return ""
    fat = (
        f"<fat><nFat>{payload['numero_fatura']}</nFat><vOrig>{payload['valor_original_fatura']}</vOrig>"
        f"<vDesc>{payload.get('valor_desconto_fatura', '0.00')}</vDesc>"
        f"<vLiq>{payload['valor_liquido_fatura']}</vLiq></fat>"
        if "numero_fatura" in payload
        else ""
    )
    dups = "".join(
        f"<dup><nDup>{d['numero']}</nDup><dVenc>{d['data_vencimento']}</dVenc><vDup>{d['valor']}</vDup></dup>"
        for d in payload.get("duplicatas") or []
    )
    return f"<cobr>{fat}{dups}</cobr>"


def _pag(payload: dict[str, Any]) -> str:
    return (
        "<pag>"
        + "".join(
            f"<detPag><indPag>{f.get('indicador_pagamento', 0)}</indPag><tPag>{f['forma_pagamento']}</tPag>"
            f"<vPag>{f['valor_pagamento']}</vPag></detPag>"
            for f in payload.get("formas_pagamento") or []
        )
        + "</pag>"
    )


class FocusNfeFake:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.notes: dict[str, Note] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.requests: list[tuple[str, str]] = []
        #: Answer 503 to the next N calls (any endpoint).
        self.fail_next = 0
        #: GETs that still answer ``processando_autorizacao`` before SEFAZ decides.
        self.processing_polls = 0
        #: SEFAZ rejects the next note: (cStat, message).
        self.reject_next: tuple[str, str] | None = None
        #: Hand out broken XML for the next authorized note.
        self.broken_xml = False
        self.next_number = 1

    # -- helpers --------------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, _ = base64.b64decode(header[6:]).decode().partition(":")
        return user == TOKEN

    def _key(self, note: Note) -> str:
        p = note.payload
        uf = UF_CODES.get(str(p.get("uf_emitente") or "SP"), "35")
        now = datetime.now(UTC)
        base = (
            f"{uf}{now:%y%m}{p['cnpj_emitente']}55"
            + "001"
            + f"{note.numero:09d}"
            + "1"
            + f"{note.numero * 7919 % 10**8:08d}"
        )
        return base + str(key_check_digit(base))

    def _xml(self, note: Note) -> bytes:
        assert note.chave is not None
        p = note.payload
        dest = (
            f"<CNPJ>{p['cnpj_destinatario']}</CNPJ>"
            if "cnpj_destinatario" in p
            else f"<CPF>{p['cpf_destinatario']}</CPF>"
        )
        det = "".join(
            f'<det nItem="{i["numero_item"]}"><prod><cProd>{i["codigo_produto"]}</cProd><NCM>{i["codigo_ncm"]}</NCM>'
            f"<CFOP>{i['cfop']}</CFOP><qCom>{i['quantidade_comercial']}</qCom><vProd>{i['valor_bruto']}</vProd>"
            + (
                f"<xPed>{i['pedido_compra']}</xPed><nItemPed>{i['numero_item_pedido_compra']}</nItemPed>"
                if "pedido_compra" in i
                else ""
            )
            + "</prod><imposto>"
            + _pis_cofins(i)
            + "</imposto></det>"
            for i in p["items"]
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<nfeProc xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00"><NFe>'
            f'<infNFe Id="NFe{note.chave}" versao="4.00"><ide><mod>55</mod><nNF>{note.numero}</nNF></ide>'
            f"<emit><CNPJ>{p['cnpj_emitente']}</CNPJ></emit><dest>{dest}<xNome>{p['nome_destinatario']}</xNome></dest>"
            f"{det}<total><ICMSTot><vPIS>{_sum(p, 'pis_valor')}</vPIS><vCOFINS>{_sum(p, 'cofins_valor')}</vCOFINS>"
            f"<vNF>{p['valor_total']}</vNF></ICMSTot></total>"
            f"{_cobr(p)}{_pag(p)}"
            f"<infAdic><infCpl>{p.get('informacoes_adicionais_contribuinte', '')}</infCpl></infAdic>"
            "</infNFe></NFe>"
            f'<protNFe versao="4.00"><infProt><chNFe>{note.chave}</chNFe><nProt>135{note.numero:012d}</nProt>'
            "<cStat>100</cStat><xMotivo>Autorizado o uso da NF-e</xMotivo></infProt></protNFe></nfeProc>"
        )
        return body.encode() if not self.broken_xml else body.encode()[:-20]

    def _state(self, note: Note) -> dict[str, Any]:
        out: dict[str, Any] = {"cnpj_emitente": note.payload["cnpj_emitente"], "ref": note.ref, "status": note.status}
        if note.sefaz:
            out["status_sefaz"], out["mensagem_sefaz"] = note.sefaz
        if note.chave:
            folder = f"/arquivos_development/{note.payload['cnpj_emitente']}/{note.chave}"
            out.update(
                chave_nfe=f"NFe{note.chave}",
                numero=str(note.numero),
                serie="1",
                caminho_xml_nota_fiscal=f"{folder}-nfe.xml",
                caminho_danfe=f"{folder}-danfe.pdf",
            )
            if note.status == "cancelado":
                out["caminho_xml_cancelamento"] = f"{folder}-can.xml"
            if note.cce:
                out["caminho_xml_carta_correcao"] = f"{folder}-cce.xml"
                out["caminho_pdf_carta_correcao"] = f"{folder}-cce.pdf"
                out["numero_carta_correcao"] = len(note.cce)
        return out

    # -- endpoints ------------------------------------------------------------------------------

    async def _guard(self, request: Request) -> Response | None:
        self.requests.append((request.method, request.url.path))
        if not self._authorized(request):
            return JSONResponse({"codigo": "permissao_negada", "mensagem": "Token inválido"}, status_code=401)
        if self.fail_next > 0:
            self.fail_next -= 1
            return JSONResponse({"codigo": "erro_interno", "mensagem": "Serviço indisponível"}, status_code=503)
        return None

    async def issue(self, request: Request) -> Response:
        if (stop := await self._guard(request)) is not None:
            return stop
        ref = request.query_params.get("ref", "")
        payload = json.loads(await request.body())
        missing = [k for k in REQUIRED if not payload.get(k)]
        missing += [f"items.{k}" for i in payload.get("items") or [] for k in ITEM_REQUIRED if i.get(k) in (None, "")]
        if "cpf_destinatario" not in payload and "cnpj_destinatario" not in payload:
            missing.append("cpf_destinatario")
        if missing:
            message = f"Campos obrigatórios: {', '.join(missing)}"
            return JSONResponse({"codigo": "requisicao_invalida", "mensagem": message}, status_code=422)
        known = self.notes.get(ref)
        if known is not None and known.status != "erro_autorizacao":
            return JSONResponse(
                {"codigo": "already_processed", "mensagem": "Nota fiscal já processada"}, status_code=422
            )
        self.notes[ref] = Note(ref, payload)
        accepted = {"cnpj_emitente": payload["cnpj_emitente"], "ref": ref, "status": "processando_autorizacao"}
        return JSONResponse(accepted, status_code=202)

    async def status(self, request: Request) -> Response:
        if (stop := await self._guard(request)) is not None:
            return stop
        note = self.notes.get(request.path_params["ref"])
        if note is None:
            return JSONResponse({"codigo": "nao_encontrado", "mensagem": "Nota fiscal não encontrada"}, status_code=404)
        if note.status == "processando_autorizacao":
            note.polls += 1
            if note.polls > self.processing_polls:
                if self.reject_next is not None:
                    note.status, note.sefaz, self.reject_next = "erro_autorizacao", self.reject_next, None
                else:
                    note.numero, self.next_number = self.next_number, self.next_number + 1
                    note.status, note.sefaz = "autorizado", ("100", "Autorizado o uso da NF-e")
                    note.chave = self._key(note)
                    folder = f"/arquivos_development/{note.payload['cnpj_emitente']}/{note.chave}"
                    self.files[f"{folder}-nfe.xml"] = (self._xml(note), "application/xml")
                    self.files[f"{folder}-danfe.pdf"] = (PDF, "application/pdf")
        return JSONResponse(self._state(note))

    async def cancel(self, request: Request) -> Response:
        if (stop := await self._guard(request)) is not None:
            return stop
        note = self.notes.get(request.path_params["ref"])
        if note is None:
            return JSONResponse({"codigo": "nao_encontrado", "mensagem": "Nota fiscal não encontrada"}, status_code=404)
        justification = str(json.loads(await request.body()).get("justificativa") or "")
        if not 15 <= len(justification) <= 255:
            return JSONResponse(
                {"codigo": "requisicao_invalida", "mensagem": "Justificativa entre 15 e 255 caracteres"},
                status_code=400,
            )
        if note.status != "autorizado":
            return JSONResponse({"status": "erro_cancelamento", "mensagem_sefaz": "NF-e não autorizada"})
        note.status, note.sefaz = "cancelado", ("135", "Evento registrado e vinculado a NF-e")
        folder = f"/arquivos_development/{note.payload['cnpj_emitente']}/{note.chave}"
        xml = (
            f'<procEventoNFe xmlns="http://www.portalfiscal.inf.br/nfe"><evento><infEvento><chNFe>{note.chave}'
            f"</chNFe><tpEvento>110111</tpEvento><detEvento><xJust>{justification}</xJust></detEvento>"
            "</infEvento></evento></procEventoNFe>"
        ).encode()
        self.files[f"{folder}-can.xml"] = (xml, "application/xml")
        return JSONResponse(
            {
                "status_sefaz": "135",
                "mensagem_sefaz": "Evento registrado e vinculado a NF-e",
                "status": "cancelado",
                "caminho_xml_cancelamento": f"{folder}-can.xml",
            }
        )

    async def correction(self, request: Request) -> Response:
        if (stop := await self._guard(request)) is not None:
            return stop
        note = self.notes.get(request.path_params["ref"])
        if note is None or note.status != "autorizado":
            return JSONResponse(
                {"codigo": "nao_encontrado", "mensagem": "NF-e autorizada não encontrada"}, status_code=404
            )
        text = str(json.loads(await request.body()).get("correcao") or "")
        if not 15 <= len(text) <= 1000:
            return JSONResponse(
                {"codigo": "requisicao_invalida", "mensagem": "Correção entre 15 e 1000 caracteres"}, status_code=400
            )
        note.cce.append(text)
        folder = f"/arquivos_development/{note.payload['cnpj_emitente']}/{note.chave}"
        xml = (
            f'<procEventoNFe xmlns="http://www.portalfiscal.inf.br/nfe"><evento><infEvento><chNFe>{note.chave}'
            f"</chNFe><tpEvento>110110</tpEvento><nSeqEvento>{len(note.cce)}</nSeqEvento><detEvento>"
            f"<xCorrecao>{text}</xCorrecao></detEvento></infEvento></evento></procEventoNFe>"
        ).encode()
        self.files[f"{folder}-cce.xml"] = (xml, "application/xml")
        self.files[f"{folder}-cce.pdf"] = (PDF, "application/pdf")
        return JSONResponse(
            {
                "status_sefaz": "135",
                "mensagem_sefaz": "Evento registrado e vinculado a NF-e",
                "status": "autorizado",
                "caminho_xml_carta_correcao": f"{folder}-cce.xml",
                "caminho_pdf_carta_correcao": f"{folder}-cce.pdf",
                "numero_carta_correcao": len(note.cce),
            }
        )

    async def file(self, request: Request) -> Response:
        if (stop := await self._guard(request)) is not None:
            return stop
        found = self.files.get(request.url.path)
        if found is None:
            return Response(status_code=404)
        return Response(found[0], media_type=found[1])

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v2/nfe", self.issue, methods=["POST"]),
                Route("/v2/nfe/{ref}", self.status, methods=["GET"]),
                Route("/v2/nfe/{ref}", self.cancel, methods=["DELETE"]),
                Route("/v2/nfe/{ref}/carta_correcao", self.correction, methods=["POST"]),
                Route("/arquivos_development/{path:path}", self.file, methods=["GET"]),
            ]
        )
