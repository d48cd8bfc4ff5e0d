"""All SQL of the logistics context."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select

from ecovarejo.core.uow import UnitOfWork

from .models import Shipment, ShipmentEvent, ShippingConfig, ShippingPackage


async def config(uow: UnitOfWork) -> ShippingConfig | None:
    return await uow.session.scalar(select(ShippingConfig))


async def packages(uow: UnitOfWork, skus: Iterable[str]) -> list[ShippingPackage]:
    wanted = sorted(set(skus))
    if not wanted:
        return []
    return list((await uow.session.scalars(select(ShippingPackage).where(ShippingPackage.sku.in_(wanted)))).all())


async def list_packages(uow: UnitOfWork, limit: int, after: str | None) -> list[ShippingPackage]:
    q = select(ShippingPackage).order_by(ShippingPackage.sku).limit(limit)
    if after:
        q = q.where(ShippingPackage.sku > after)
    return list((await uow.session.scalars(q)).all())


async def package(uow: UnitOfWork, sku: str) -> ShippingPackage | None:
    return await uow.session.scalar(select(ShippingPackage).where(ShippingPackage.sku == sku))


def add(uow: UnitOfWork, obj: object) -> None:
    uow.session.add(obj)


async def delete(uow: UnitOfWork, obj: object) -> None:
    await uow.session.delete(obj)


async def shipment(uow: UnitOfWork, shipment_id: uuid.UUID, *, lock: bool = False) -> Shipment | None:
    q = select(Shipment).where(Shipment.id == shipment_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    return await uow.session.scalar(q)


async def shipments_of_order(uow: UnitOfWork, order_id: uuid.UUID) -> list[Shipment]:
    q = select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.created_at, Shipment.id)
    return list((await uow.session.scalars(q)).all())


async def shipment_by_ref(uow: UnitOfWork, carrier: str, label_ref: str) -> Shipment | None:
    return await uow.session.scalar(
        select(Shipment).where(Shipment.carrier == carrier, Shipment.label_ref == label_ref)
    )


async def shipments_to_track(uow: UnitOfWork, statuses: Iterable[str], limit: int) -> list[Shipment]:
    q = (
        select(Shipment)
        .where(Shipment.status.in_(list(statuses)), Shipment.carrier != "table_rate")
        .order_by(Shipment.updated_at)
        .limit(limit)
    )
    return list((await uow.session.scalars(q)).all())


async def events_of(uow: UnitOfWork, shipment_ids: Iterable[uuid.UUID]) -> list[ShipmentEvent]:
    ids = list(shipment_ids)
    if not ids:
        return []
    q = select(ShipmentEvent).where(ShipmentEvent.shipment_id.in_(ids)).order_by(ShipmentEvent.occurred_at)
    return list((await uow.session.scalars(q)).all())


async def event_exists(uow: UnitOfWork, shipment_id: uuid.UUID, external_id: str) -> bool:
    q = select(ShipmentEvent.id).where(
        ShipmentEvent.shipment_id == shipment_id, ShipmentEvent.external_id == external_id
    )
    return (await uow.session.scalar(q)) is not None


async def label_pdf(uow: UnitOfWork, shipment_id: uuid.UUID) -> bytes | None:
    return await uow.session.scalar(select(Shipment.label_pdf).where(Shipment.id == shipment_id))
