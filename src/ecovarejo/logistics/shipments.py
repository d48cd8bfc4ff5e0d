"""Shipments: staff ship a paid order (all of it or part), the carrier sells the label, tracking moves
the shipment (and, through ``logistics-events``, the order) to delivered.

Buying a label is a network call with money attached, so it runs between two transactions: the
shipment row is committed first (``created``), the label is bought, then recorded. When recording fails
the label is cancelled at the carrier: no label is ever paid for without a shipment that knows it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog

from ecovarejo.core.container import Container
from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import Conflict, InvalidInput, NotFound
from ecovarejo.core.uow import UnitOfWork

from . import cep as ceps
from . import emissions
from . import repository as repo
from .carriers.base import TRACKING_STATUSES, CarrierError, Label, LabelRequest, Party, TrackingUpdate
from .models import Shipment, ShipmentEvent
from .orders_port import OrderSource, OrderToShip
from .packaging import UnitSize, pack
from .service import load_document, ports_of

log = structlog.get_logger("ecovarejo.logistics.shipments")
TOPIC = "logistics-events"
#: Orders that may be shipped.
SHIPPABLE = frozenset({"paid", "fulfilling", "shipped"})
#: Progress order of statuses; a late or replayed update never moves a shipment backwards.
RANK = {
    "created": 0,
    "label_purchased": 1,
    "posted": 2,
    "in_transit": 3,
    "out_for_delivery": 4,
    "failed_delivery": 4,
    "ready_for_pickup": 5,
    "delivered": 9,
    "returned_to_sender": 9,
    "cancelled": 9,
}
FINAL = frozenset({"delivered", "returned_to_sender", "cancelled"})
#: Shipment statuses announced on ``logistics-events`` (``shipment.<status>``).
ANNOUNCED = frozenset(
    {"label_purchased", "posted", "ready_for_pickup", "delivered", "failed_delivery", "returned_to_sender", "cancelled"}
)


@dataclass(frozen=True)
class TrackingStep:
    status: str
    description: str
    location: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class ShipmentView:
    id: uuid.UUID
    order_id: uuid.UUID
    order_number: str
    user_id: uuid.UUID | None
    status: str
    carrier: str
    service: str
    service_name: str
    tracking_code: str | None
    tracking_url: str | None
    label_url: str | None
    has_label_pdf: bool
    price: Decimal
    co2e_kg: Decimal
    distance_km: int
    packages: tuple[dict[str, Any], ...]
    items: tuple[dict[str, Any], ...]
    error: str | None
    created_at: datetime
    timeline: tuple[TrackingStep, ...] = ()
    #: Where the customer collects the parcel (name, address, CEP, hours); None: delivered home.
    pickup: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "order_id": str(self.order_id),
            "order_number": self.order_number,
            "status": self.status,
            "carrier": self.carrier,
            "service": self.service,
            "service_name": self.service_name,
            "tracking_code": self.tracking_code,
            "tracking_url": self.tracking_url,
            "label_url": self.label_url,
            "has_label_pdf": self.has_label_pdf,
            "price": str(self.price),
            "co2e_kg": str(self.co2e_kg),
            "distance_km": self.distance_km,
            "packages": list(self.packages),
            "items": list(self.items),
            "error": self.error,
            "created_at": self.created_at.isoformat(),
            "pickup": self.pickup,
            "timeline": [
                {
                    "status": t.status,
                    "description": t.description,
                    "location": t.location,
                    "occurred_at": t.occurred_at.isoformat(),
                }
                for t in self.timeline
            ],
        }


def view(s: Shipment, events: Sequence[ShipmentEvent] = (), *, has_pdf: bool = False) -> ShipmentView:
    return ShipmentView(
        id=s.id,
        order_id=s.order_id,
        order_number=s.order_number,
        user_id=s.user_id,
        status=s.status,
        carrier=s.carrier,
        service=s.service,
        service_name=s.service_name,
        tracking_code=s.tracking_code,
        tracking_url=s.tracking_url,
        label_url=s.label_url,
        has_label_pdf=has_pdf,
        price=s.price,
        co2e_kg=Decimal(s.co2e_g) / 1000,
        distance_km=s.distance_km,
        packages=tuple(s.packages),
        items=tuple(s.items),
        error=s.error,
        created_at=s.created_at,
        pickup=dict(s.pickup_point) if s.pickup_point else None,
        timeline=tuple(
            TrackingStep(e.status, e.description, e.location, e.occurred_at) for e in events if e.shipment_id == s.id
        ),
    )


def service_name(carrier: str, service: str) -> str:
    from .carriers.correios import SERVICES as CORREIOS
    from .carriers.table_rate import NAMES

    if carrier == "table_rate":
        return NAMES.get(service, service)
    if carrier == "correios":
        return CORREIOS.get(service, (service, ""))[0]
    return f"{carrier} {service}"


def _event_data(s: Shipment, **extra: Any) -> dict[str, Any]:
    return {
        "shipment_id": str(s.id),
        "order_id": str(s.order_id),
        "order_number": s.order_number,
        "user_id": str(s.user_id) if s.user_id else None,
        "status": s.status,
        "carrier": s.carrier,
        "service": s.service,
        "service_name": s.service_name,
        "tracking_code": s.tracking_code,
        "tracking_url": s.tracking_url,
        "co2e_kg": str(Decimal(s.co2e_g) / 1000),
        **extra,
    }


def _announce(uow: UnitOfWork, s: Shipment, **extra: Any) -> None:
    if s.status in ANNOUNCED:
        uow.emit(TOPIC, f"shipment.{s.status}", _event_data(s, pickup=s.pickup_point, **extra), subject=str(s.order_id))
    if s.status == "ready_for_pickup" and s.pickup_point:
        _notify_ready(uow, s)


def _notify_ready(uow: UnitOfWork, s: Shipment) -> None:
    """Tell the customer where and when to collect the parcel (the notifications context's request topic)."""
    p = s.pickup_point or {}
    address = ", ".join(x for x in (f"{p.get('street', '')} {p.get('number', '')}".strip(), p.get("district"),
                                    f"{p.get('city', '')}/{p.get('state', '')}", ceps.formatted(str(p.get("cep"))))
                        if x)  # fmt: skip
    context = {  # people by id only: notifications resolve the contact (user or order) at send time
        "order_number": s.order_number,
        "order_id": str(s.order_id),
        "point_name": p.get("name"),
        "point_address": address,
        "hours": p.get("hours") or "",
        "tracking_code": s.tracking_code,
        "url": f"/account/orders/{s.order_id}",
    }
    uow.emit(
        "notification",
        "notification.requested",
        {
            "template": "ready_for_pickup",
            "context": context,
            "to_user_id": str(s.user_id) if s.user_id else None,
            "order_id": str(s.order_id),
            "locale": s.locale,
            "channel": ["email", "push"],
        },
        subject=str(s.order_id),
    )


def _party_of_address(a: Mapping[str, Any], *, email: str | None) -> Party:
    return Party(
        name=str(a.get("recipient") or a.get("name") or "")[:100],
        cep=ceps.normalize(str(a.get("postal_code") or a.get("cep") or "")),
        street=str(a.get("street", "")),
        number=str(a.get("number", "")),
        complement=str(a.get("complement", "")),
        district=str(a.get("district", "")),
        city=str(a.get("city", "")),
        state=str(a.get("state", "")),
        phone=str(a.get("phone", "")),
        email=email or "",
    )


def _party_of_point(point: Mapping[str, Any], customer: Party) -> Party:
    return Party(
        name=customer.name,
        cep=ceps.normalize(str(point.get("cep") or "")),
        street=str(point.get("street", "")),
        number=str(point.get("number", "")),
        complement=f"Retirada: {point.get('name', '')}"[:100],
        district=str(point.get("district", "")),
        city=str(point.get("city", "")),
        state=str(point.get("state", "")),
        phone=customer.phone,
        email=customer.email,
        document=customer.document,
    )


async def _order(container: Container, uow: UnitOfWork, order_id: uuid.UUID) -> OrderToShip:
    order = await container.ports.get(OrderSource).order_to_ship(uow, order_id)
    if order is None:
        raise NotFound("order not found", code="order_not_found")
    return order


def _remaining(order: OrderToShip, shipments: Sequence[Shipment]) -> dict[str, int]:
    left = {ln.sku: ln.quantity for ln in order.lines}
    for s in shipments:
        if s.status == "cancelled":
            continue
        for item in s.items:
            left[item["sku"]] = left.get(item["sku"], 0) - int(item["quantity"])
    return {k: v for k, v in left.items() if v > 0}


async def create_shipment(
    container: Container,
    tenant_id: uuid.UUID,
    order_id: uuid.UUID,
    *,
    carrier: str | None = None,
    service: str | None = None,
    items: Mapping[str, int] | None = None,
    actor: str,
) -> ShipmentView:
    """Ship ``items`` (default: everything not yet shipped) of a paid order and buy its label."""
    ports = ports_of(container)
    async with container.uow(tenant_id, actor=actor) as uow:
        order = await _order(container, uow, order_id)
        if order.status not in SHIPPABLE:
            raise Conflict(f"an order that is {order.status} cannot be shipped", code="order_not_shippable")
        existing = await repo.shipments_of_order(uow, order_id)
        left = _remaining(order, existing)
        wanted = dict(items) if items else dict(left)
        if not wanted:
            raise Conflict("everything in this order has been shipped", code="nothing_to_ship")
        over = sorted(sku for sku, q in wanted.items() if q < 1 or q > left.get(sku, 0))
        if over:
            raise InvalidInput("more than is left to ship of these items", code="items_not_shippable",
                               extra={"skus": over, "remaining": left})  # fmt: skip
        carrier = carrier or order.carrier or "table_rate"
        service = service or order.service or "standard"
        if carrier not in ports.carriers:
            raise InvalidInput(f"unknown or unconfigured carrier {carrier!r}", code="unknown_carrier")
        doc, _ = await load_document(uow, ports)
        lines = {ln.sku: ln for ln in order.lines}
        sizes = {
            p.sku: UnitSize(p.weight_g, p.length_cm, p.width_cm, p.height_cm) for p in await repo.packages(uow, wanted)
        }
        parcel = pack(
            [(sku, q, lines[sku].unit_price) for sku, q in wanted.items()], sizes, doc.default_package, doc.limits
        )
        point = order.pickup if order.pickup and carrier == order.carrier else None
        recipient = _party_of_address(order.shipping_address, email=order.email)
        if point is not None:  # the parcel goes to the pickup point, in the customer's name
            recipient = _party_of_point(point, recipient)
        origin = doc.origin
        distance = ceps.distance_km(origin.cep, recipient.cep)
        kind = "green" if service == "green" else "express" if service in {"express", "03220", "2"} else "standard"
        co2 = emissions.kg_co2e(distance, parcel.weight_g, emissions.mode_for(kind, distance))
        shipment = Shipment(
            order_id=order.id, order_number=order.number, user_id=order.user_id, status="created",
            carrier=carrier, service=service, service_name=service_name(carrier, service), origin_cep=origin.cep,
            destination_cep=recipient.cep, recipient=dict(order.shipping_address), packages=[parcel.as_dict()],
            items=[{"sku": sku, "name": lines[sku].name, "quantity": q, "unit_price": str(lines[sku].unit_price)}
                   for sku, q in wanted.items()],
            email=order.email, first_name=order.first_name, locale=order.locale,
            price=Decimal("0"), co2e_g=int(co2 * 1000), distance_km=round(distance),
            pickup_point=dict(point) if point is not None else None,
        )  # fmt: skip
        repo.add(uow, shipment)
        await uow.flush()
        shipment_id = shipment.id
        await uow.commit()
    sender = Party(name=origin.name, cep=origin.cep)
    request = LabelRequest(str(shipment_id), service, sender, recipient, parcel, list(shipment.items))
    try:
        label = await ports.carriers[carrier].buy_label(request)
    except CarrierError as exc:
        await _fail(container, tenant_id, shipment_id, exc.detail, actor)
        raise
    except Exception as exc:  # network trouble the adapter did not classify
        await _fail(container, tenant_id, shipment_id, f"{type(exc).__name__}", actor)
        raise CarrierError("the carrier could not sell the label; nothing was charged, try again") from exc
    try:
        return await _record_label(container, tenant_id, shipment_id, label, actor)
    except BaseException:
        log.warning("label_not_recorded_cancelling", carrier=carrier, label_ref=label.label_ref)
        try:
            await ports.carriers[carrier].cancel_label(label.label_ref)
        except Exception:  # the carrier's own expiry voids unused labels; staff see the error
            log.exception("label_cancel_failed", carrier=carrier, label_ref=label.label_ref)
        raise


async def _fail(container: Container, tenant_id: uuid.UUID, shipment_id: uuid.UUID, why: str, actor: str) -> None:
    async with container.uow(tenant_id, actor=actor) as uow:
        s = await repo.shipment(uow, shipment_id, lock=True)
        if s is not None:
            s.status, s.error = "cancelled", why[:300]
            await uow.flush()
            await uow.commit()


async def _record_label(
    container: Container, tenant_id: uuid.UUID, shipment_id: uuid.UUID, label: Label, actor: str
) -> ShipmentView:
    async with container.uow(tenant_id, actor=actor) as uow:
        s = await repo.shipment(uow, shipment_id, lock=True)
        if s is None or s.status != "created":
            raise Conflict("the shipment changed while its label was bought", code="shipment_changed")
        s.label_ref, s.tracking_code, s.tracking_url = label.label_ref, label.tracking_code, label.tracking_url
        s.label_url, s.label_pdf, s.status = label.label_url, label.label_pdf, "label_purchased"
        if label.price is not None:
            s.price = label.price
        s.error = None
        repo.add(uow, ShipmentEvent(shipment_id=s.id, status="label_purchased", description="Etiqueta emitida",
                                    external_id="label", source="platform", occurred_at=utcnow()))  # fmt: skip
        await uow.flush()
        _announce(uow, s)
        result = view(s, has_pdf=label.label_pdf is not None)
        await uow.commit()
    return result


async def cancel_shipment(
    container: Container, tenant_id: uuid.UUID, shipment_id: uuid.UUID, actor: str
) -> ShipmentView:
    """Cancel a shipment whose parcel has not been posted (the label is cancelled at the carrier first)."""
    ports = ports_of(container)
    async with container.uow(tenant_id, read_only=True) as uow:
        s = await repo.shipment(uow, shipment_id)
        if s is None:
            raise NotFound("shipment not found", code="shipment_not_found")
        if s.status not in ("created", "label_purchased"):
            raise Conflict(f"a shipment that is {s.status} cannot be cancelled", code="shipment_not_cancellable")
        carrier, ref = s.carrier, s.label_ref
    if ref and carrier in ports.carriers:
        await ports.carriers[carrier].cancel_label(ref)
    async with container.uow(tenant_id, actor=actor) as uow:
        s = await repo.shipment(uow, shipment_id, lock=True)
        assert s is not None
        s.status = "cancelled"
        repo.add(uow, ShipmentEvent(shipment_id=s.id, status="cancelled", description="Envio cancelado",
                                    external_id="cancelled", source="platform", occurred_at=utcnow()))  # fmt: skip
        await uow.flush()
        _announce(uow, s)
        result = view(s)
        await uow.commit()
    return result


async def apply_updates(uow: UnitOfWork, s: Shipment, updates: Sequence[TrackingUpdate], source: str) -> bool:
    """Record new tracking steps (a replayed one is a no-op) and move the shipment forward; returns
    whether anything changed. Events ``shipment.<status>`` go out for the steps that matter."""
    changed = False
    for u in sorted(updates, key=lambda x: x.occurred_at):
        if u.status not in TRACKING_STATUSES:
            continue
        if u.status == "ready_for_pickup" and not s.pickup_point:
            # a home delivery the carrier holds for collection (Correios' LDI after a failed attempt): it did
            # not reach the door
            u = replace(u, status="failed_delivery")
        if await repo.event_exists(uow, s.id, u.external_id):
            continue
        repo.add(uow, ShipmentEvent(shipment_id=s.id, status=u.status, description=u.description[:300],
                                    location=u.location, external_id=u.external_id[:200], source=source,
                                    occurred_at=u.occurred_at))  # fmt: skip
        changed = True
        if s.status in FINAL or RANK[u.status] < RANK[s.status]:
            continue
        moved = u.status != s.status
        s.status = u.status
        await uow.flush()
        if moved:
            _announce(uow, s, description=u.description, occurred_at=u.occurred_at.isoformat())
    await uow.flush()
    return changed


async def shipments_of_order(uow: UnitOfWork, order_id: uuid.UUID) -> list[ShipmentView]:
    rows = await repo.shipments_of_order(uow, order_id)
    events = await repo.events_of(uow, [s.id for s in rows])
    return [view(s, events) for s in rows]


async def get(uow: UnitOfWork, shipment_id: uuid.UUID) -> tuple[Shipment, list[ShipmentEvent]]:
    s = await repo.shipment(uow, shipment_id)
    if s is None:
        raise NotFound("shipment not found", code="shipment_not_found")
    return s, await repo.events_of(uow, [s.id])


async def track_job(container: Container, limit: int = 200) -> int:
    """Worker job: poll the carriers for shipments on their way (webhooks may be missed), per tenant."""
    ports = ports_of(container)
    async with container.uow(None, read_only=True) as sys_uow:
        rows = await repo.shipments_to_track(sys_uow, ("label_purchased", "posted", "in_transit", "out_for_delivery",
                                                       "failed_delivery", "ready_for_pickup"), limit)  # fmt: skip
        todo = [(s.tenant_id, s.id, s.carrier, s.label_ref, s.tracking_code) for s in rows]
    moved = 0
    for tenant_id, sid, carrier, ref, code in todo:
        if carrier not in ports.carriers or not ref:
            continue
        try:
            updates = await ports.carriers[carrier].track(ref, code)
        except Exception as exc:  # one carrier's trouble must not stop the others' tracking
            log.warning("tracking_failed", carrier=carrier, error=f"{type(exc).__name__}: {exc}")
            continue
        async with container.uow(tenant_id, actor="system:tracking") as uow:
            s = await repo.shipment(uow, sid, lock=True)
            if s is not None and await apply_updates(uow, s, updates, carrier):
                moved += 1
            s_touch = s
            if s_touch is not None:
                s_touch.updated_at = utcnow()
            await uow.commit()
    return moved
