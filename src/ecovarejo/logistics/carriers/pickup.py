"""The shop's own pickup points ("retirar na loja", lockers): no network, no label to buy.

A point is offered when the destination CEP is near it (or in its states / CEP ranges); the parcel goes
from the origin warehouse to the point, staff mark it ready for pickup and then collected.
"""

from __future__ import annotations

import secrets

from .base import CarrierError, CarrierOption, Label, LabelRequest, PickupSpot, QuoteRequest, TrackingUpdate

KIND_NAMES = {"store": "Retirar na loja", "locker": "Retirar no armário"}


class OwnPickupCarrier:
    name = "pickup"

    async def quote(self, req: QuoteRequest) -> list[CarrierOption]:
        out = []
        for p in req.document.pickup_points:
            if not p.serves(req.destination_cep, req.destination_state):
                continue
            spot = PickupSpot(
                id=p.code, name=p.name, kind=p.kind, street=p.street, number=p.number, district=p.district,
                city=p.city, state=p.state, cep=p.cep, hours=p.hours, company="Loja",
            )  # fmt: skip
            out.append(
                CarrierOption(
                    carrier=self.name,
                    service=p.code,
                    service_name=f"{KIND_NAMES.get(p.kind, KIND_NAMES['store'])}: {p.name}",
                    price=p.price,
                    days_min=p.days,
                    days_max=p.days,
                    kind="pickup",
                    company="Loja",
                    pickup=True,
                    point=spot,
                )
            )
        return out

    async def buy_label(self, req: LabelRequest) -> Label:
        if not req.service:
            raise CarrierError("no pickup point named", code="unknown_service", status=422)
        code = f"EVR{secrets.randbelow(10**9):09d}BR"
        return Label(label_ref=code, tracking_code=code)

    async def cancel_label(self, label_ref: str) -> None:
        return None

    async def track(self, label_ref: str, tracking_code: str | None) -> list[TrackingUpdate]:
        return []
