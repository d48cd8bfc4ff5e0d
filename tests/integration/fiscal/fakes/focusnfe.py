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
from xml.sax.saxutils import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ecovarejo.fiscal.nfe_xml import key_check_digit

TOKEN = "focus-token-homologacao"
UF_CODES = {"SP": "35", "RJ": "33", "MG": "31", "BA": "29", "PR": "41", "RS": "43", "AM": "13"}
REQUIRED = ("cnpj_emitente", "natureza_operacao", "data_emissao", "items", "valor_total", "nome_destinatario")
ITEM_REQUIRED = ("codigo_ncm", "cfop", "quantidade_comercial", "valor_unitario_comercial", "icms_origem")
#: IBGE codes of the state capitals the tests ship to.
CAPITALS = {"SP": "3550308", "BA": "2927408", "RJ": "3304557", "MG": "3106200", "PR": "4106902", "RS": "4314902"}
TAGS = {"valor_frete": "vFrete", "valor_desconto": "vDesc", "valor_outras_despesas": "vOutro"}
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


def _x(text: Any) -> str:
    return escape(str(text))


def _city(payload: dict[str, Any]) -> str:
    """The recipient's IBGE city code (Focus NFe looks it up from the name and state; the fake: the state's
    capital)."""
    return CAPITALS.get(str(payload.get("uf_destinatario") or "SP"), "3550308")


def _d4(value: Any) -> str:
    return f"{Decimal(str(value)):.4f}"


def _det(i: dict[str, Any]) -> str:
    def money(key: str) -> str:
        value = Decimal(str(i.get(key) or "0"))
        return f"<{TAGS[key]}>{value:.2f}</{TAGS[key]}>" if value > 0 else ""

    prod = (
        f"<prod><cProd>{_x(i['codigo_produto'])}</cProd><cEAN>SEM GTIN</cEAN><xProd>{_x(i['descricao'])}</xProd>"
        f"<NCM>{i['codigo_ncm']}</NCM>" + (f"<CEST>{i['cest']}</CEST>" if i.get("cest") else "")
        + f"<CFOP>{i['cfop']}</CFOP><uCom>{i['unidade_comercial']}</uCom><qCom>{_d4(i['quantidade_comercial'])}</qCom>"
        f"<vUnCom>{i['valor_unitario_comercial']}</vUnCom><vProd>{i['valor_bruto']}</vProd>"
        "<cEANTrib>SEM GTIN</cEANTrib>"
        f"<uTrib>{i['unidade_tributavel']}</uTrib><qTrib>{_d4(i['quantidade_tributavel'])}</qTrib>"
        f"<vUnTrib>{i['valor_unitario_tributavel']}</vUnTrib>"
        + money("valor_frete") + money("valor_desconto") + money("valor_outras_despesas")
        + f"<indTot>{i.get('inclui_no_total', 1)}</indTot>"
        + (
            f"<xPed>{_x(i['pedido_compra'])}</xPed><nItemPed>{i['numero_item_pedido_compra']}</nItemPed>"
            if "pedido_compra" in i
            else ""
        )
        + "</prod>"
    )  # fmt: skip
    if i.get("icms_situacao_tributaria") == "102":
        icms = f"<ICMSSN102><orig>{i['icms_origem']}</orig><CSOSN>102</CSOSN></ICMSSN102>"
    else:
        icms = (
            f"<ICMS00><orig>{i['icms_origem']}</orig><CST>00</CST><modBC>{i['icms_modalidade_base_calculo']}</modBC>"
            f"<vBC>{i['icms_base_calculo']}</vBC><pICMS>{_d4(i['icms_aliquota'])}</pICMS>"
            f"<vICMS>{i['icms_valor']}</vICMS></ICMS00>"
        )
    difal = ""
    if "icms_valor_uf_destino" in i:
        difal = (
            f"<ICMSUFDest><vBCUFDest>{i['icms_base_calculo_uf_destino']}</vBCUFDest>"
            f"<pFCPUFDest>{_d4(i['fcp_percentual_uf_destino'])}</pFCPUFDest>"
            f"<pICMSUFDest>{_d4(i['icms_aliquota_interna_uf_destino'])}</pICMSUFDest>"
            f"<pICMSInter>{Decimal(str(i['icms_aliquota_interestadual'])):.2f}</pICMSInter>"
            f"<pICMSInterPart>{_d4(i['icms_percentual_partilha'])}</pICMSInterPart>"
            f"<vFCPUFDest>{i['fcp_valor_uf_destino']}</vFCPUFDest><vICMSUFDest>{i['icms_valor_uf_destino']}</vICMSUFDest>"
            f"<vICMSUFRemet>{i['icms_valor_uf_remetente']}</vICMSUFRemet></ICMSUFDest>"
        )
    return f'<det nItem="{i["numero_item"]}">{prod}<imposto><ICMS>{icms}</ICMS>{_pis_cofins(i)}{difal}</imposto></det>'


def _signature(key: str) -> str:
    """The XML-DSig block the layout requires (placeholders: nothing is really signed by the fake)."""
    ds = "http://www.w3.org/2000/09/xmldsig#"
    return (
        f'<Signature xmlns="{ds}"><SignedInfo>'
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
        f'<SignatureMethod Algorithm="{ds}rsa-sha1"/><Reference URI="#NFe{key}"><Transforms>'
        f'<Transform Algorithm="{ds}enveloped-signature"/>'
        '<Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/></Transforms>'
        f'<DigestMethod Algorithm="{ds}sha1"/><DigestValue>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</DigestValue></Reference>'
        "</SignedInfo><SignatureValue>AAAA</SignatureValue><KeyInfo><X509Data><X509Certificate>AAAA"
        "</X509Certificate></X509Data></KeyInfo></Signature>"
    )


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
        """The authorized note as SEFAZ keeps it: ``nfeProc`` with the whole 4.00 layout (ide, emit, dest,
        det with prod and taxes, totals, transp, cobr, pag, infAdic), a signature block (its digest and
        value are placeholders: the fake signs nothing) and the authorization protocol."""
        assert note.chave is not None
        p, key = note.payload, note.chave
        simples = any("icms_situacao_tributaria" in i and i["icms_situacao_tributaria"] == "102" for i in p["items"])
        if "cnpj_destinatario" in p:
            dest_doc = f"<CNPJ>{p['cnpj_destinatario']}</CNPJ>"
        else:
            dest_doc = f"<CPF>{p['cpf_destinatario']}</CPF>"
        ie = f"<IE>{p['inscricao_estadual_destinatario']}</IE>" if p.get("inscricao_estadual_destinatario") else ""
        dest = (
            f"<dest>{dest_doc}<xNome>{_x(p['nome_destinatario'])}</xNome><enderDest>"
            f"<xLgr>{_x(p.get('logradouro_destinatario') or 'Rua')}</xLgr>"
            f"<nro>{_x(p.get('numero_destinatario') or 'S/N')}</nro>"
            + (f"<xCpl>{_x(p['complemento_destinatario'])}</xCpl>" if p.get("complemento_destinatario") else "")
            + f"<xBairro>{_x(p.get('bairro_destinatario') or 'Centro')}</xBairro><cMun>{_city(p)}</cMun>"
            f"<xMun>{_x(p.get('municipio_destinatario') or 'Cidade')}</xMun><UF>{p.get('uf_destinatario') or 'SP'}</UF>"
            f"<CEP>{(p.get('cep_destinatario') or '01001000'):0>8}</CEP><cPais>1058</cPais><xPais>Brasil</xPais>"
            f"</enderDest><indIEDest>{p.get('indicador_inscricao_estadual_destinatario', 9)}</indIEDest>{ie}"
            + (f"<email>{_x(p['email_destinatario'])}</email>" if p.get("email_destinatario") else "")
            + "</dest>"
        )
        det = "".join(_det(i) for i in p["items"])
        tot = {k: _sum(p, k) for k in ("icms_base_calculo", "icms_valor", "icms_valor_uf_destino", "pis_valor",
                                         "cofins_valor", "valor_bruto", "valor_frete", "valor_desconto",
                                         "valor_outras_despesas")}  # fmt: skip
        difal = (
            f"<vFCPUFDest>0.00</vFCPUFDest><vICMSUFDest>{tot['icms_valor_uf_destino']}</vICMSUFDest>"
            "<vICMSUFRemet>0.00</vICMSUFRemet>"
            if any("icms_valor_uf_destino" in i for i in p["items"])
            else ""
        )
        total = (
            f"<total><ICMSTot><vBC>{tot['icms_base_calculo']}</vBC><vICMS>{tot['icms_valor']}</vICMS>"
            f"<vICMSDeson>0.00</vICMSDeson>{difal}<vFCP>0.00</vFCP><vBCST>0.00</vBCST><vST>0.00</vST>"
            f"<vFCPST>0.00</vFCPST><vFCPSTRet>0.00</vFCPSTRet><vProd>{tot['valor_bruto']}</vProd>"
            f"<vFrete>{tot['valor_frete']}</vFrete><vSeg>0.00</vSeg><vDesc>{tot['valor_desconto']}</vDesc>"
            f"<vII>0.00</vII><vIPI>0.00</vIPI><vIPIDevol>0.00</vIPIDevol><vPIS>{tot['pis_valor']}</vPIS>"
            f"<vCOFINS>{tot['cofins_valor']}</vCOFINS><vOutro>{tot['valor_outras_despesas']}</vOutro>"
            f"<vNF>{p['valor_total']}</vNF></ICMSTot></total>"
        )
        inf_cpl = p.get("informacoes_adicionais_contribuinte")
        issued = str(p["data_emissao"])
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<nfeProc xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00"><NFe>'
            f'<infNFe Id="NFe{key}" versao="4.00"><ide><cUF>{key[:2]}</cUF><cNF>{key[35:43]}</cNF>'
            f"<natOp>{_x(p['natureza_operacao'])}</natOp><mod>55</mod><serie>{int(key[22:25])}</serie>"
            f"<nNF>{note.numero}</nNF><dhEmi>{issued}</dhEmi><tpNF>1</tpNF><idDest>{p.get('local_destino', 1)}</idDest>"
            f"<cMunFG>3550308</cMunFG><tpImp>1</tpImp><tpEmis>1</tpEmis><cDV>{key[43]}</cDV><tpAmb>2</tpAmb>"
            f"<finNFe>{p.get('finalidade_emissao', 1)}</finNFe><indFinal>{p.get('consumidor_final', 1)}</indFinal>"
            f"<indPres>{p.get('presenca_comprador', 2)}</indPres><indIntermed>0</indIntermed><procEmi>0</procEmi>"
            "<verProc>FocusNFe-fake</verProc></ide>"
            f"<emit><CNPJ>{p['cnpj_emitente']}</CNPJ><xNome>Loja de Homologacao Ltda</xNome><enderEmit>"
            "<xLgr>Avenida Paulista</xLgr><nro>1000</nro><xBairro>Bela Vista</xBairro><cMun>3550308</cMun>"
            "<xMun>Sao Paulo</xMun><UF>SP</UF><CEP>01310100</CEP><cPais>1058</cPais><xPais>Brasil</xPais>"
            f"</enderEmit><IE>110042490114</IE><CRT>{1 if simples else 3}</CRT></emit>"
            f"{dest}{det}{total}<transp><modFrete>{p.get('modalidade_frete', 0)}</modFrete></transp>"
            f"{_cobr(p)}{_pag(p)}"
            + (f"<infAdic><infCpl>{_x(inf_cpl)}</infCpl></infAdic>" if inf_cpl else "")
            + "</infNFe>"
            f"{_signature(key)}</NFe>"
            f'<protNFe versao="4.00"><infProt><tpAmb>2</tpAmb><verAplic>SP_NFE_PL009_V4</verAplic>'
            f"<chNFe>{key}</chNFe><dhRecbto>{issued}</dhRecbto><nProt>135{note.numero:012d}</nProt>"
            "<digVal>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</digVal>"
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
