"""Shipping over GraphQL: the same quotes as ``POST /api/v1/shipping/quotes`` (carrier, service, price,
delivery days, kg CO2e, the option id checkout takes) and the caller's shipments with their timeline."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from ecovarejo.core.errors import NotFound
from ecovarejo.logistics import public as logistics

from .context import GQLContext

Ctx = Info[GQLContext, None]


@strawberry.input
class ShippingItemInput:
    sku: str
    quantity: int = 1


@strawberry.type
class PickupPoint:
    """Where the customer collects the parcel: the shop's store or locker, or a carrier's agency."""

    id: str
    name: str
    kind: str
    street: str
    number: str
    district: str
    city: str
    state: str
    cep: str
    hours: str
    company: str

    @staticmethod
    def of(d: dict[str, Any] | None) -> PickupPoint | None:
        if not d:
            return None
        return PickupPoint(**{k: str(d.get(k) or "") for k in PickupPoint.__annotations__})


@strawberry.type
class ShippingOption:
    id: str
    carrier: str
    service: str
    service_name: str
    company: str
    price: Decimal
    original_price: Decimal
    free: bool
    days_min: int
    days_max: int
    kind: str
    green: bool
    mode: str
    co2e_kg: Decimal
    distance_km: int
    expires_at: str
    #: The pickup point of a pickup option (null: delivered to the address).
    pickup: PickupPoint | None = None


@strawberry.type
class ShippingQuote:
    destination_cep: str
    destination_state: str
    options: list[ShippingOption]
    #: Carriers left out of this answer (down, slow).
    degraded: list[str]


@strawberry.type
class TrackingStep:
    status: str
    description: str
    location: str | None
    occurred_at: str


@strawberry.type
class Shipment:
    id: strawberry.ID
    status: str
    carrier: str
    service_name: str
    tracking_code: str | None
    tracking_url: str | None
    co2e_kg: Decimal
    timeline: list[TrackingStep]
    pickup: PickupPoint | None = None


def _option(o: logistics.ShippingOption) -> ShippingOption:
    return ShippingOption(
        id=o.id, carrier=o.carrier, service=o.service, service_name=o.service_name, company=o.company,
        price=o.price, original_price=o.original_price, free=o.free, days_min=o.days_min, days_max=o.days_max,
        kind=o.kind, green=o.kind == "green", mode=o.mode, co2e_kg=o.co2e_kg, distance_km=o.distance_km,
        expires_at=o.expires_at.isoformat(), pickup=PickupPoint.of(o.pickup),
    )  # fmt: skip


@strawberry.type
class ShippingQuery:
    @strawberry.field(description="Priced shipping options for a CEP and items (days and kg CO2e each).")  # type: ignore[untyped-decorator]
    async def shipping_quote(self, info: Ctx, cep: str, items: list[ShippingItemInput]) -> ShippingQuote:
        lines: dict[str, int] = {}
        for i in items[:100]:
            lines[i.sku] = lines.get(i.sku, 0) + i.quantity
        q = await logistics.quote(info.context.container, info.context.tenant_id, cep, lines)
        return ShippingQuote(
            destination_cep=logistics.formatted(q.destination_cep),
            destination_state=q.destination_state,
            options=[_option(o) for o in q.options],
            degraded=list(q.degraded),
        )

    @strawberry.field(description="The shipments of one of the caller's orders, with their tracking timeline.")  # type: ignore[untyped-decorator]
    async def order_shipments(self, info: Ctx, order_id: strawberry.ID) -> list[Shipment]:
        principal = await info.context.require_principal()
        try:
            oid = uuid.UUID(str(order_id))
        except ValueError as exc:
            raise NotFound("order not found", code="order_not_found") from exc
        views = await logistics.shipments_of_order(info.context.container, info.context.tenant_id, oid)
        mine = [v for v in views if principal.is_admin or v.user_id == principal.user_id]
        if views and not mine:
            raise NotFound("order not found", code="order_not_found")
        return [
            Shipment(
                id=strawberry.ID(str(v.id)), status=v.status, carrier=v.carrier, service_name=v.service_name,
                tracking_code=v.tracking_code, tracking_url=v.tracking_url, co2e_kg=v.co2e_kg,
                timeline=[TrackingStep(status=t.status, description=t.description, location=t.location,
                                       occurred_at=t.occurred_at.isoformat()) for t in v.timeline],
                pickup=PickupPoint.of(v.pickup),
            )
            for v in mine
        ]  # fmt: skip
