"""Correios' contract REST API (api.correios.com.br): token by posting card, price and deadline per
product, pre-posting (prepostagem) with its label PDF, cancellation, tracking (SRO Rastro), and the
agencies API (``/agencia/v1/unidades``) for collecting a parcel at an agency near the customer.

Money arrives as Brazilian decimal strings (``"24,50"``); weights go in grams, sizes in centimetres.
"""

from __future__ import annotations

import asyncio
import base64
import time
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
import structlog

from .. import cep as ceps
from .base import (
    CarrierError,
    CarrierOption,
    CarrierUnavailable,
    Label,
    LabelRequest,
    PickupSpot,
    QuoteRequest,
    TrackingUpdate,
)

SERVICES = {"03298": ("PAC", "standard"), "03220": ("SEDEX", "express"), "04227": ("Mini Envios", "standard")}
_BRT = timezone(timedelta(hours=-3))
#: The agencies API's unit type of a Correios agency ("AGENCIA CORREIO") and its status "installed".
AGENCY_UNIT_TYPE = "09"
AGENCY_STATUS_INSTALLED = "2"
#: Agencies offered per pickup service, nearest first, and how far from the destination they may be.
AGENCIES_PER_SERVICE = 3
AGENCY_RADIUS_KM = 40.0
AGENCY_PAGE_SIZE = 50

log = structlog.get_logger("ecovarejo.logistics.correios")


def _plain(text: str) -> str:
    """``São Paulo`` → ``SAO PAULO``: how the agencies API spells municipalities."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).upper().strip()


def _brl(value: Any) -> Decimal:
    try:
        return Decimal(str(value).replace(".", "").replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise CarrierUnavailable(f"Correios sent an unreadable price {value!r}") from exc


def _status(code: str, tipo: str) -> str:
    if code in {"BDE", "BDI", "BDR"}:
        if tipo in {"01", "1"}:
            return "delivered"
        if tipo in {"23", "73"}:
            return "returned_to_sender"
        return "failed_delivery"
    if code == "OEC":
        return "out_for_delivery"
    if code == "LDI":  # "Objeto aguardando retirada no endereço indicado": at the agency, for the recipient
        return "ready_for_pickup"
    if code == "PO":
        return "posted"
    return "in_transit"


class CorreiosCarrier:
    name = "correios"

    def __init__(
        self,
        base_url: str,
        client: httpx.AsyncClient,
        *,
        user: str,
        access_code: str,
        postcard: str,
        contract: str = "",
        timeout: float = 3.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client
        self.user, self.access_code, self.postcard, self.contract = user, access_code, postcard, contract
        self.timeout = timeout
        self._token: tuple[str, float] | None = None
        self._lock = asyncio.Lock()

    async def _auth(self) -> dict[str, str]:
        async with self._lock:
            if self._token is None or self._token[1] <= time.monotonic():
                basic = base64.b64encode(f"{self.user}:{self.access_code}".encode()).decode()
                body = await self._call(
                    "POST",
                    "/token/v1/autentica/cartaopostagem",
                    headers={"Authorization": f"Basic {basic}"},
                    json={"numero": self.postcard},
                )
                # Tokens last the day; renew well before ``expiraEm``.
                self._token = (str(body["token"]), time.monotonic() + 3000)
        return {"Authorization": f"Bearer {self._token[0]}"}

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            resp = await self.client.request(method, self.base_url + path, timeout=self.timeout, **kw)
        except httpx.HTTPError as exc:
            raise CarrierUnavailable(f"Correios did not answer: {type(exc).__name__}") from exc
        if resp.status_code >= 500:
            raise CarrierUnavailable(f"Correios answered {resp.status_code}")
        body: Any = resp.json() if resp.content else {}
        if resp.status_code >= 400:
            msgs = body.get("msgs") if isinstance(body, dict) else None
            raise CarrierError("Correios: " + "; ".join(msgs or [f"HTTP {resp.status_code}"]))
        return body

    async def _get(self, path: str, params: dict[str, Any]) -> Any:
        return await self._call("GET", path, params=params, headers=await self._auth())

    async def quote(self, req: QuoteRequest) -> list[CarrierOption]:
        wanted = [c for c in req.document.carriers.correios if c in SERVICES]
        p = req.parcel

        async def one(code: str) -> CarrierOption:
            price_q = {
                "cepOrigem": req.origin.cep,
                "cepDestino": req.destination_cep,
                "psObjeto": str(p.weight_g),
                "tpObjeto": "2",
                "comprimento": str(p.length_cm),
                "largura": str(p.width_cm),
                "altura": str(p.height_cm),
            }
            if self.contract:
                price_q["nuContrato"] = self.contract
            where = {"cepOrigem": req.origin.cep, "cepDestino": req.destination_cep}
            async with asyncio.TaskGroup() as tg:  # one failure cancels the sibling call
                price_t = tg.create_task(self._get(f"/preco/v1/nacional/{code}", price_q))
                deadline_t = tg.create_task(self._get(f"/prazo/v1/nacional/{code}", where))
            price, deadline = price_t.result(), deadline_t.result()
            days = int(deadline["prazoEntrega"])
            name, kind = SERVICES[code]
            return CarrierOption(
                carrier=self.name,
                service=code,
                service_name=name,
                price=_brl(price["pcFinal"]),
                days_min=max(1, days - 1),
                days_max=days,
                kind=kind,
                company="Correios",
            )

        pickup = [c for c in req.document.carriers.correios_pickup if c in wanted]
        async with asyncio.TaskGroup() as tg:  # the agencies are asked alongside the prices, not after
            tasks = [tg.create_task(one(c)) for c in wanted]
            spots_t = tg.create_task(self._agencies_or_none(req)) if pickup else None
        out = [t.result() for t in tasks]
        spots = spots_t.result() if spots_t is not None else []
        pickups = [
            CarrierOption(
                carrier=self.name, service=o.service, service_name=f"{o.service_name}: {spot.name}", price=o.price,
                days_min=o.days_min, days_max=o.days_max, kind="pickup", company=o.company, pickup=True, point=spot,
            )
            for o in out if o.service in pickup for spot in spots
        ]  # fmt: skip
        return out + pickups

    async def _agencies_or_none(self, req: QuoteRequest) -> list[PickupSpot]:
        """The agencies, or none when that call fails: door-to-door prices still count."""
        try:
            return await self.agencies(req)
        except CarrierError as exc:
            log.warning("correios_agencies_failed", error=str(exc))
            return []

    async def agencies(self, req: QuoteRequest) -> list[PickupSpot]:
        """Installed Correios agencies near the destination, nearest first: ``GET /agencia/v1/unidades
        ?uf=&municipio=&status=2&codigoTipoUnidade=09&page=0&size=50`` (the municipality only when the CEP
        service knew the city)."""
        params: dict[str, Any] = {
            "uf": req.destination_state,
            "status": AGENCY_STATUS_INSTALLED,
            "codigoTipoUnidade": AGENCY_UNIT_TYPE,
            "page": 0,
            "size": AGENCY_PAGE_SIZE,
        }
        if req.destination_city:
            params["municipio"] = _plain(req.destination_city)
        body = await self._get("/agencia/v1/unidades", params)
        near: list[tuple[float, PickupSpot]] = []
        for a in (body.get("itens") if isinstance(body, dict) else None) or []:
            if not isinstance(a, dict) or a.get("ativa") is False:
                continue
            if str(a.get("status", AGENCY_STATUS_INSTALLED)) != AGENCY_STATUS_INSTALLED:
                continue
            addr = a.get("endereco") or {}
            raw = "".join(ch for ch in str(addr.get("cep") or "") if ch.isdigit())
            try:
                cep = ceps.normalize(raw)
                km = ceps.distance_km(req.destination_cep, cep)
            except (ceps.InvalidCep, KeyError):
                continue
            if km > AGENCY_RADIUS_KM:
                continue
            hours = a.get("horarios") or {}
            shown = " ".join(
                x for x in (str(hours.get("funcionamento") or "").strip().capitalize(),
                            "–".join(h for h in (hours.get("iniExpediente"), hours.get("fimExpediente")) if h)) if x
            )  # fmt: skip
            spot = PickupSpot(
                id=f"correios:{a.get('id')}", name=str(a.get("nome") or "")[:100], kind="agency",
                street=str(addr.get("logradouro") or "")[:200], number=str(addr.get("numero") or ""),
                district=str(addr.get("bairro") or "")[:100], city=str(addr.get("municipio") or "")[:100],
                state=str(addr.get("uf") or req.destination_state), cep=cep, hours=shown[:200], company="Correios",
            )  # fmt: skip
            near.append((km, spot))
        near.sort(key=lambda x: (x[0], x[1].name))
        return [s for _, s in near[:AGENCIES_PER_SERVICE]]

    async def buy_label(self, req: LabelRequest) -> Label:
        if req.service not in SERVICES:
            raise CarrierError(f"unknown Correios service {req.service!r}", code="unknown_service", status=422)

        def party(x: Any) -> dict[str, Any]:
            return {
                "nome": x.name,
                "email": x.email,
                "cpfCnpj": x.document,
                "endereco": {
                    "cep": x.cep,
                    "logradouro": x.street,
                    "numero": x.number or "S/N",
                    "complemento": x.complement,
                    "bairro": x.district,
                    "cidade": x.city,
                    "uf": x.state,
                },
            }

        p = req.parcel
        body = {
            "idCorrentista": self.postcard,
            "remetente": party(req.sender),
            "destinatario": party(req.recipient),
            "codigoServico": req.service,
            "numeroNotaFiscal": "",
            "pesoInformado": str(p.weight_g),
            "codigoFormatoObjetoInformado": "2",
            "alturaInformada": str(p.height_cm),
            "larguraInformada": str(p.width_cm),
            "comprimentoInformado": str(p.length_cm),
            "cienteObjetoNaoProibido": 1,
            "observacao": req.reference[:50],
            "itensDeclaracaoConteudo": [
                {
                    "conteudo": str(i.get("name", ""))[:80],
                    "quantidade": str(i.get("quantity", 1)),
                    "valor": str(i.get("unit_price", "0")),
                }
                for i in req.items
            ],
        }
        auth = await self._auth()
        made = await self._call("POST", "/prepostagem/v1/prepostagens", json=body, headers=auth)
        prepost_id, code = str(made["id"]), made.get("codigoObjeto")
        try:
            receipt = await self._call(
                "POST",
                "/prepostagem/v1/prepostagens/rotulo/assincrono/pdf",
                json={
                    "idsPrePostagem": [prepost_id],
                    "tipoRotulo": "P",
                    "formatoRotulo": "ET",
                    "imprimeRemetente": "S",
                },
                headers=auth,
            )
            pdf = await self._call(
                "GET", f"/prepostagem/v1/prepostagens/rotulo/download/assincrono/{receipt['idRecibo']}", headers=auth
            )
            label_pdf = base64.b64decode(pdf["dados"])
        except CarrierError:
            await self.cancel_label(prepost_id)  # no pre-posting left behind without its label
            raise
        return Label(
            label_ref=prepost_id,
            tracking_code=code,
            label_pdf=label_pdf,
            tracking_url=f"https://rastreamento.correios.com.br/app/index.php?objetos={code}" if code else None,
        )

    async def cancel_label(self, label_ref: str) -> None:
        await self._call("DELETE", f"/prepostagem/v1/prepostagens/{label_ref}", headers=await self._auth())

    async def track(self, label_ref: str, tracking_code: str | None) -> list[TrackingUpdate]:
        if not tracking_code:
            return []
        body = await self._get(f"/srorastro/v1/objetos/{tracking_code}", {"resultado": "T"})
        updates = []
        for obj in body.get("objetos", []):
            for ev in obj.get("eventos", []):
                when = datetime.fromisoformat(str(ev["dtHrCriado"]))
                when = (when if when.tzinfo else when.replace(tzinfo=_BRT)).astimezone(UTC)
                code, tipo = str(ev.get("codigo", "")), str(ev.get("tipo", ""))
                city = ((ev.get("unidade") or {}).get("endereco") or {}).get("cidade")
                updates.append(
                    TrackingUpdate(
                        external_id=f"{code}:{tipo}:{ev['dtHrCriado']}",
                        status=_status(code, tipo),
                        description=str(ev.get("descricao", ""))[:300],
                        occurred_at=when,
                        location=city,
                    )
                )
        return sorted(updates, key=lambda u: u.occurred_at)
