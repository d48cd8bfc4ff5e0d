"""Logistics HTTP API: CEP lookup, shipping quotes, the tenant's shipping configuration, shipments."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ecovarejo.core.auth import Principal, current_principal, require_permission
from ecovarejo.core.container import Container
from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import Conflict, InvalidInput, NotFound, Unauthorized
from ecovarejo.core.http import get_container, get_read_uow, get_tenant, get_uow
from ecovarejo.core.tenancy import TenantInfo
from ecovarejo.core.uow import UnitOfWork

from . import cep as ceps
from . import printable, service, shipments
from . import repository as repo
from .carriers.base import TRACKING_STATUSES, TrackingUpdate
from .carriers.melhorenvio import EVENTS as ME_EVENTS
from .carriers.melhorenvio import verify_signature
from .packaging import CUBIC_DIVISOR
from .quotes import ShippingQuote
from .schemas import (
    AddressOut,
    ConfigOut,
    CustomerShipmentList,
    OptionOut,
    PackageIn,
    PackageList,
    PackageOut,
    QuoteIn,
    QuoteOut,
    ShipmentIn,
    ShipmentList,
    ShipmentOut,
    TrackingIn,
)

router = APIRouter(prefix="/api/v1", tags=["logistics"])
admin = APIRouter(prefix="/api/v1/admin/shipping", tags=["logistics"])
staff = require_permission("manage_orders")


@router.get("/shipping/cep/{cep}", response_model=AddressOut)
async def cep_lookup(cep: str, container: Container = Depends(get_container)) -> AddressOut:
    """The address of a CEP (street, district, city, UF); offline, the UF from the CEP ranges only."""
    a = await service.ports_of(container).addresses.lookup(cep)
    return AddressOut(
        cep=ceps.formatted(a.cep),
        state=a.state,
        city=a.city,
        district=a.district,
        street=a.street,
        source=a.source,
        complete=a.complete,
    )


def quote_out(q: ShippingQuote) -> QuoteOut:
    return QuoteOut(
        destination={"cep": ceps.formatted(q.destination_cep), "state": q.destination_state},
        origin_cep=ceps.formatted(q.origin_cep),
        package=q.parcel.as_dict(),
        options=[OptionOut(**o.as_dict()) for o in q.options],
        degraded=list(q.degraded),
    )


@router.post("/shipping/quotes", response_model=QuoteOut)
async def quotes(
    body: QuoteIn, container: Container = Depends(get_container), tenant: TenantInfo = Depends(get_tenant)
) -> QuoteOut:
    """Shipping options for a CEP and items: carrier, service, price, delivery days and kg CO2e each."""
    lines: dict[str, int] = {}
    for item in body.items:
        lines[item.sku] = lines.get(item.sku, 0) + item.quantity
    return quote_out(await service.quote(container, tenant.id, body.cep, lines))


# -- admin: configuration and package sizes -------------------------------------------------------------


@admin.get("/config", response_model=ConfigOut)
async def get_config(
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_read_uow),
    container: Container = Depends(get_container),
) -> ConfigOut:
    doc, version = await service.load_document(uow, service.ports_of(container))
    return ConfigOut(version=version, document=doc.model_dump(mode="json"))


@admin.put("/config", response_model=ConfigOut)
async def put_config(
    document: dict[str, Any] = Body(...),
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_uow),
) -> ConfigOut:
    """Replace the tenant's shipping configuration (validated as a whole; nothing saved when invalid)."""
    doc = service.parse_document(document)
    version = await service.save_document(uow, doc)
    await uow.commit()
    return ConfigOut(version=version, document=doc.model_dump(mode="json"))


def _package_out(sku: str, p: PackageIn | Any) -> PackageOut:
    cubic = math.ceil(p.length_cm * p.width_cm * p.height_cm * 1000 / CUBIC_DIVISOR)
    return PackageOut(
        sku=sku,
        weight_g=p.weight_g,
        length_cm=p.length_cm,
        width_cm=p.width_cm,
        height_cm=p.height_cm,
        cubic_weight_g=cubic,
    )


@admin.put("/packages/{sku}", response_model=PackageOut)
async def put_package(
    sku: str, body: PackageIn, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_uow)
) -> PackageOut:
    """Packed weight and size of one unit of ``sku`` (carriers bill the greater of real and cubic weight)."""
    await service.put_package(uow, sku[:64], body.weight_g, body.length_cm, body.width_cm, body.height_cm)
    await uow.commit()
    return _package_out(sku[:64], body)


@admin.get("/packages", response_model=PackageList)
async def list_packages(
    limit: int = Query(100, ge=1, le=500),
    cursor: str | None = Query(None, max_length=64),
    _: Principal = Depends(staff),
    uow: UnitOfWork = Depends(get_read_uow),
) -> PackageList:
    rows = await repo.list_packages(uow, limit, cursor)
    return PackageList(
        items=[_package_out(r.sku, r) for r in rows], next_cursor=rows[-1].sku if len(rows) == limit else None
    )


# -- shipments ------------------------------------------------------------------------------------------


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise NotFound(f"{what} not found", code=f"{what}_not_found") from exc


@admin.post("/orders/{order_id}/shipments", status_code=201, response_model=ShipmentOut)
async def create_shipment(
    order_id: str,
    body: ShipmentIn,
    who: Principal = Depends(staff),
    container: Container = Depends(get_container),
    tenant: TenantInfo = Depends(get_tenant),
) -> dict[str, Any]:
    """Ship a paid order (or part of it): the label is bought from the carrier and recorded."""
    items: dict[str, int] = {}
    for i in body.items:
        items[i.sku] = items.get(i.sku, 0) + i.quantity
    v = await shipments.create_shipment(
        container, tenant.id, _uuid(order_id, "order"), carrier=body.carrier, service=body.service,
        items=items or None, actor=str(who.user_id),
    )  # fmt: skip
    return v.as_dict()


@admin.get("/orders/{order_id}/shipments", response_model=ShipmentList)
async def order_shipments(
    order_id: str, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    return {"items": [v.as_dict() for v in await shipments.shipments_of_order(uow, _uuid(order_id, "order"))]}


@admin.get("/shipments/{shipment_id}", response_model=ShipmentOut)
async def get_shipment(
    shipment_id: str, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    s, events = await shipments.get(uow, _uuid(shipment_id, "shipment"))
    return shipments.view(s, events).as_dict()


@admin.post("/shipments/{shipment_id}/cancel", response_model=ShipmentOut)
async def cancel_shipment(
    shipment_id: str,
    who: Principal = Depends(staff),
    container: Container = Depends(get_container),
    tenant: TenantInfo = Depends(get_tenant),
) -> dict[str, Any]:
    v = await shipments.cancel_shipment(container, tenant.id, _uuid(shipment_id, "shipment"), str(who.user_id))
    return v.as_dict()


@admin.post("/shipments/{shipment_id}/events", response_model=ShipmentOut)
async def add_tracking(
    shipment_id: str, body: TrackingIn, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    """A tracking step entered by staff (the shop's own deliveries, or a carrier without tracking API);
    ``picked_up`` (a pickup collected by the customer) is recorded as ``delivered``."""
    status = "delivered" if body.status == "picked_up" else body.status
    if status not in TRACKING_STATUSES or status == "cancelled":
        raise InvalidInput(f"status must be one of {', '.join(TRACKING_STATUSES[:-1])}, picked_up",
                           code="invalid_status")  # fmt: skip
    s = await repo.shipment(uow, _uuid(shipment_id, "shipment"), lock=True)
    if s is None:
        raise NotFound("shipment not found", code="shipment_not_found")
    if s.status in ("created", "cancelled"):
        raise Conflict(f"a shipment that is {s.status} has no tracking", code="shipment_not_trackable")
    if status == "ready_for_pickup" and not s.pickup_point:
        raise InvalidInput("this shipment goes to the customer's address, not to a pickup point",
                           code="not_a_pickup")  # fmt: skip
    now = utcnow()
    update = TrackingUpdate(f"staff:{uuid.uuid4()}", status, body.description, now, body.location)
    await shipments.apply_updates(uow, s, [update], "staff")
    events = await repo.events_of(uow, [s.id])
    result = shipments.view(s, events).as_dict()
    await uow.commit()
    return result


@admin.get("/shipments/{shipment_id}/label", response_model=None)
async def label(shipment_id: str, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)) -> Response:
    """The carrier's label (PDF) when it handed one over; otherwise the shop's printable label."""
    s, _events = await shipments.get(uow, _uuid(shipment_id, "shipment"))
    pdf = await repo.label_pdf(uow, s.id)
    if pdf:
        disposition = f'inline; filename="etiqueta-{s.order_number}.pdf"'
        return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})
    if s.label_url and s.carrier != "table_rate":
        return RedirectResponse(s.label_url, status_code=303)
    return HTMLResponse(printable.label_html(s))


@admin.get("/shipments/{shipment_id}/packing-slip", response_class=HTMLResponse)
async def packing_slip(
    shipment_id: str, _: Principal = Depends(staff), uow: UnitOfWork = Depends(get_read_uow)
) -> HTMLResponse:
    s, _events = await shipments.get(uow, _uuid(shipment_id, "shipment"))
    return HTMLResponse(printable.packing_slip_html(s))


@router.get("/shipping/orders/{order_id}/tracking", response_model=CustomerShipmentList)
async def my_tracking(
    order_id: str, who: Principal = Depends(current_principal), uow: UnitOfWork = Depends(get_read_uow)
) -> dict[str, Any]:
    """The customer's own view of an order's shipments and their timeline."""
    views = await shipments.shipments_of_order(uow, _uuid(order_id, "order"))
    mine = [v for v in views if who.is_admin or await _owns(uow, v.id, who.user_id)]
    if views and not mine:
        raise NotFound("order not found", code="order_not_found")
    return {"items": [_public_view(v) for v in mine]}


async def _owns(uow: UnitOfWork, shipment_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    s = await repo.shipment(uow, shipment_id)
    return s is not None and s.user_id == user_id


def _public_view(v: shipments.ShipmentView) -> dict[str, Any]:
    d = v.as_dict()
    for private in ("label_url", "has_label_pdf", "error", "price"):
        d.pop(private, None)
    return d


@router.post("/shipping/webhooks/melhorenvio", status_code=204, response_model=None)
async def melhorenvio_webhook(
    request: Request, container: Container = Depends(get_container), tenant: TenantInfo = Depends(get_tenant)
) -> Response:
    """Melhor Envio's order events (posted, delivered, undelivered, cancelled), signed with the app secret."""
    ports = service.ports_of(container)
    raw = await request.body()
    secret = ports.settings.melhorenvio_webhook_secret
    if not secret or not verify_signature(secret, raw, request.headers.get("x-me-signature", "")):
        raise Unauthorized("bad signature", code="bad_signature", headers={})
    try:
        body = json.loads(raw)
        event, data = str(body["event"]), dict(body["data"])
        ref = str(data["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("not a Melhor Envio event", code="invalid_webhook") from exc
    status = ME_EVENTS.get(event)
    if status is None:
        return Response(status_code=204)  # events we do not track (created, released, generated...)
    async with container.uow(tenant.id, actor="system:melhorenvio") as uow:
        s = await repo.shipment_by_ref(uow, "melhorenvio", ref)
        if s is None:
            return Response(status_code=204)
        if data.get("tracking") and not s.tracking_code:
            s.tracking_code = str(data["tracking"])[:100]
        when = data.get(f"{status}_at") or data.get("updated_at")
        occurred = utcnow() if not when else datetime.fromisoformat(str(when).replace("Z", "+00:00"))
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=UTC)
        update = TrackingUpdate(f"me:{status}", status, event, occurred)
        await shipments.apply_updates(uow, s, [update], "melhorenvio")
        await uow.commit()
    return Response(status_code=204)
