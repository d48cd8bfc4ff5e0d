"""The built-in carrier: the tenant's zones and weight bands, no network (the embedded default).

Labels are issued by the shop itself (printed from the admin); tracking updates are entered by staff.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from .base import CarrierError, CarrierOption, Label, LabelRequest, QuoteRequest, TrackingUpdate

NAMES = {"standard": "Entrega padrão", "express": "Entrega expressa", "green": "Entrega verde (consolidada)"}
#: Green delivery waits to consolidate loads: these extra days, for the standard price.
GREEN_EXTRA_DAYS = 3


class TableRateCarrier:
    name = "table_rate"

    async def quote(self, req: QuoteRequest) -> list[CarrierOption]:
        doc = req.document
        zone = doc.zone_for(req.destination_cep, req.destination_state)
        if zone is None:
            return []
        weight = req.parcel.billable_weight_g
        best: dict[str, Decimal] = {}
        bands: dict[str, int] = {}
        for r in doc.rates:
            if r.zone != zone.code or r.max_weight_g < weight:
                continue
            if r.service not in bands or r.max_weight_g < bands[r.service]:
                bands[r.service], best[r.service] = r.max_weight_g, r.price
        options = []
        if "standard" in best:
            options.append(self._opt("standard", best["standard"], zone.days_min, zone.days_max))
        if "express" in best:
            options.append(
                self._opt("express", best["express"], max(1, zone.days_min // 2), max(1, (zone.days_max + 1) // 2))
            )
        if doc.green_delivery and ("green" in best or "standard" in best):
            price = best.get("green", best.get("standard", Decimal("0")))
            options.append(
                self._opt("green", price, zone.days_min + GREEN_EXTRA_DAYS, zone.days_max + GREEN_EXTRA_DAYS)
            )
        return options

    def _opt(self, service: str, price: Decimal, dmin: int, dmax: int) -> CarrierOption:
        return CarrierOption(
            carrier=self.name,
            service=service,
            service_name=NAMES[service],
            price=price,
            days_min=dmin,
            days_max=dmax,
            kind=service,
            company="Loja",
        )

    async def buy_label(self, req: LabelRequest) -> Label:
        if req.service not in NAMES:
            raise CarrierError(f"unknown table-rate service {req.service!r}", code="unknown_service", status=422)
        code = f"EV{secrets.randbelow(10**9):09d}BR"
        return Label(label_ref=code, tracking_code=code)

    async def cancel_label(self, label_ref: str) -> None:
        return None

    async def track(self, label_ref: str, tracking_code: str | None) -> list[TrackingUpdate]:
        return []
