"""Melhor Envio (the aggregator): one quote call prices Correios, Jadlog, Loggi and others; a label is
cart → checkout (paid from the account's balance) → generate → print; tracking by polling or webhook.

API v2 under ``/api/v2/me``, ``Authorization: Bearer`` with the shop's OAuth token and a
``User-Agent`` naming the app and a contact, as Melhor Envio requires.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

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

#: Melhor Envio order statuses → ours.
STATUSES = {
    "posted": "posted",
    "delivered": "delivered",
    "undelivered": "failed_delivery",
    "canceled": "cancelled",
    "cancelled": "cancelled",
}
#: Webhook events → ours.
EVENTS = {
    "order.posted": "posted",
    "order.delivered": "delivered",
    "order.undelivered": "failed_delivery",
    "order.cancelled": "cancelled",
    "order.canceled": "cancelled",
}
_BRT = timezone(timedelta(hours=-3))
#: Agencies offered per pickup service, nearest first, and how far from the destination they may be.
AGENCIES_PER_SERVICE = 3
AGENCY_RADIUS_KM = 40.0


def verify_signature(secret: str, body: bytes, signature: str) -> bool:
    """``X-ME-Signature``: base64 of HMAC-SHA256 of the raw body with the app's secret."""
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return bool(signature) and hmac.compare_digest(expected, signature)


def _when(value: Any) -> datetime:
    when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (when if when.tzinfo else when.replace(tzinfo=_BRT)).astimezone(UTC)


class MelhorEnvioCarrier:
    name = "melhorenvio"

    def __init__(
        self, base_url: str, client: httpx.AsyncClient, *, token: str, user_agent: str, timeout: float = 3.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": user_agent,
        }
        self.timeout = timeout

    async def _call(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None) -> Any:
        try:
            resp = await self.client.request(
                method, f"{self.base_url}/api/v2/me{path}", json=body, params=params, headers=self.headers,
                timeout=self.timeout,
            )  # fmt: skip
        except httpx.HTTPError as exc:
            raise CarrierUnavailable(f"Melhor Envio did not answer: {type(exc).__name__}") from exc
        if resp.status_code >= 500:
            raise CarrierUnavailable(f"Melhor Envio answered {resp.status_code}")
        data: Any = resp.json() if resp.content else {}
        if resp.status_code >= 400:
            msg = data.get("message") if isinstance(data, dict) else None
            raise CarrierError(f"Melhor Envio: {msg or resp.status_code}")
        return data

    async def quote(self, req: QuoteRequest) -> list[CarrierOption]:
        wanted = req.document.carriers.melhorenvio
        p = req.parcel
        body = {
            "from": {"postal_code": req.origin.cep},
            "to": {"postal_code": req.destination_cep},
            "package": {
                "height": p.height_cm,
                "width": p.width_cm,
                "length": p.length_cm,
                "weight": float(Decimal(p.weight_g) / 1000),
            },
            "options": {"insurance_value": float(p.declared_value), "receipt": False, "own_hand": False},
            "services": ",".join(str(s) for s in wanted),
        }
        data = await self._call("POST", "/shipment/calculate", body)
        out: list[CarrierOption] = []
        pickup_services = set(req.document.carriers.melhorenvio_pickup)
        companies: dict[int, str] = {}
        for s in data if isinstance(data, list) else []:
            if s.get("error") or s.get("price") in (None, ""):
                continue  # the service does not serve this route or package
            if wanted and int(s["id"]) not in wanted:
                continue
            try:
                price = Decimal(str(s.get("custom_price") or s["price"])).quantize(Decimal("0.01"))
            except InvalidOperation:
                continue
            rng = s.get("custom_delivery_range") or s.get("delivery_range") or {}
            days = int(s.get("custom_delivery_time") or s.get("delivery_time") or 0)
            company = (s.get("company") or {}).get("name", "")
            name = str(s.get("name", ""))
            if int(s["id"]) in pickup_services and (s.get("company") or {}).get("id") is not None:
                companies[int(s["company"]["id"])] = company
            out.append(
                CarrierOption(
                    carrier=self.name,
                    service=str(s["id"]),
                    service_name=f"{company} {name}".strip(),
                    price=price,
                    days_min=int(rng.get("min", days)),
                    days_max=int(rng.get("max", days)),
                    kind="express" if name.upper() in {"SEDEX", "EXPRESSO", ".COM"} else "standard",
                    company=company,
                )
            )
        if not companies:
            return out
        found = await asyncio.gather(*(self.agencies(req, cid) for cid in companies))
        spots = dict(zip(companies, found, strict=True))
        pickups = []
        for o in out:
            if int(o.service) not in pickup_services:
                continue
            cid = next((c for c, n in companies.items() if n == o.company), None)
            for spot in spots.get(cid, []) if cid is not None else []:
                pickups.append(
                    CarrierOption(
                        carrier=self.name, service=o.service, service_name=f"{o.service_name}: {spot.name}",
                        price=o.price, days_min=o.days_min, days_max=o.days_max, kind="pickup", company=o.company,
                        pickup=True, point=spot,
                    )
                )  # fmt: skip
        return out + pickups

    async def agencies(self, req: QuoteRequest, company_id: int) -> list[PickupSpot]:
        """The carrier's agencies near the destination (``GET /shipment/agencies?company=&country=BR&state=
        &city=``), nearest first; the customer collects the parcel at the one they choose."""
        params: dict[str, Any] = {"company": company_id, "country": "BR", "state": req.destination_state}
        if req.destination_city:
            params["city"] = req.destination_city
        data = await self._call("GET", "/shipment/agencies", params=params)
        near: list[tuple[float, PickupSpot]] = []
        for a in data if isinstance(data, list) else []:
            if not isinstance(a, dict) or a.get("status", "available") != "available":
                continue
            addr = a.get("address") or {}
            city = addr.get("city") or {}
            raw_cep = "".join(ch for ch in str(addr.get("postal_code") or "") if ch.isdigit()).zfill(8)
            try:
                cep = ceps.normalize(raw_cep)
                km = ceps.distance_km(req.destination_cep, cep)
            except (ceps.InvalidCep, KeyError):
                continue
            if km > AGENCY_RADIUS_KM:
                continue
            phone: dict[str, Any] = a["phone"] if isinstance(a.get("phone"), dict) else {}
            spot = PickupSpot(
                id=f"me:{a['id']}", name=str(a.get("name") or "")[:100], kind="agency",
                street=str(addr.get("address") or "")[:200], number=str(addr.get("number") or ""),
                district=str(addr.get("district") or ""), city=str(city.get("city") or ""),
                state=str((city.get("state") or {}).get("state_abbr") or req.destination_state), cep=cep,
                company=str(a.get("company_name") or ""), phone=str(phone.get("phone") or ""),
            )  # fmt: skip
            near.append((km, spot))
        near.sort(key=lambda x: (x[0], x[1].name))
        return [s for _, s in near[:AGENCIES_PER_SERVICE]]

    @staticmethod
    def _party(x: Any) -> dict[str, Any]:
        return {
            "name": x.name,
            "phone": x.phone,
            "email": x.email,
            "document": x.document,
            "address": x.street,
            "number": x.number or "S/N",
            "complement": x.complement,
            "district": x.district,
            "city": x.city,
            "state_abbr": x.state,
            "country_id": "BR",
            "postal_code": x.cep,
        }

    async def buy_label(self, req: LabelRequest) -> Label:
        p = req.parcel
        try:
            service = int(req.service)
        except ValueError as exc:
            raise CarrierError(
                f"unknown Melhor Envio service {req.service!r}", code="unknown_service", status=422
            ) from exc
        cart = await self._call(
            "POST",
            "/cart",
            {
                "service": service,
                "from": self._party(req.sender),
                "to": self._party(req.recipient),
                "products": [
                    {
                        "name": str(i.get("name", ""))[:80],
                        "quantity": int(i.get("quantity", 1)),
                        "unitary_value": float(Decimal(str(i.get("unit_price", "0")))),
                    }
                    for i in req.items
                ],
                "volumes": [
                    {
                        "height": p.height_cm,
                        "width": p.width_cm,
                        "length": p.length_cm,
                        "weight": float(Decimal(p.weight_g) / 1000),
                    }
                ],
                "options": {
                    "insurance_value": float(p.declared_value),
                    "receipt": False,
                    "own_hand": False,
                    "non_commercial": True,
                    "tags": [{"tag": req.reference[:50]}],
                },
            },
        )
        order_id = str(cart["id"])
        try:
            await self._call("POST", "/shipment/checkout", {"orders": [order_id]})
            await self._call("POST", "/shipment/generate", {"orders": [order_id]})
            printed = await self._call("POST", "/shipment/print", {"mode": "public", "orders": [order_id]})
            tracked = await self._call("POST", "/shipment/tracking", {"orders": [order_id]})
        except CarrierError:
            await self.cancel_label(order_id)  # paid but unusable: cancel so the balance comes back
            raise
        info = tracked.get(order_id, {}) if isinstance(tracked, dict) else {}
        code = info.get("tracking") or info.get("melhorenvio_tracking")
        return Label(
            label_ref=order_id,
            tracking_code=code,
            price=Decimal(str(cart.get("price", "0"))).quantize(Decimal("0.01")),
            label_url=printed.get("url"),
            tracking_url=f"https://www.melhorrastreio.com.br/rastreio/{code}" if code else None,
        )

    async def cancel_label(self, label_ref: str) -> None:
        await self._call(
            "POST",
            "/shipment/cancel",
            {"order": {"id": label_ref, "reason_id": "2", "description": "Cancelado pela loja"}},
        )

    async def track(self, label_ref: str, tracking_code: str | None) -> list[TrackingUpdate]:
        data = await self._call("POST", "/shipment/tracking", {"orders": [label_ref]})
        info = data.get(label_ref) if isinstance(data, dict) else None
        if not info:
            return []
        updates = []
        for field, status in (("posted_at", "posted"), ("delivered_at", "delivered"), ("canceled_at", "cancelled")):
            if info.get(field):
                updates.append(
                    TrackingUpdate(
                        external_id=f"me:{status}", status=status, description=status, occurred_at=_when(info[field])
                    )
                )
        if info.get("status") in {"undelivered"}:
            updates.append(
                TrackingUpdate(
                    external_id="me:undelivered",
                    status="failed_delivery",
                    description="undelivered",
                    occurred_at=_when(info.get("updated_at") or datetime.now(UTC).isoformat()),
                )
            )
        return sorted(updates, key=lambda u: u.occurred_at)
