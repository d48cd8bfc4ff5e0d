"""All SQL of the logistics context."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON, Integer, String, cast, literal, null, select, union_all

from ecovarejo.core.uow import UnitOfWork

from .models import Shipment, ShipmentEvent, ShippingConfig, ShippingPackage


async def config(uow: UnitOfWork) -> ShippingConfig | None:
    return await uow.session.scalar(select(ShippingConfig))


async def config_and_sizes(
    uow: UnitOfWork, skus: Iterable[str]
) -> tuple[tuple[int, dict[str, Any]] | None, dict[str, tuple[int, int, int, int]]]:
    """The tenant's configuration (version, document; None: none stored) and the package sizes of ``skus``
    (weight g, length, width, height cm) in ONE statement: the checkout's statement budget has room for one
    read of logistics, and a checkout without a quoted option needs both to price the cart's weight."""
    wanted = sorted(set(skus))
    none_int = cast(null(), Integer)
    parts = [
        select(
            literal("c").label("kind"),
            ShippingConfig.version.label("version"),
            ShippingConfig.document.label("document"),
            cast(null(), String).label("sku"),
            none_int.label("weight_g"),
            none_int.label("length_cm"),
            none_int.label("width_cm"),
            none_int.label("height_cm"),
        )
    ]
    if wanted:
        parts.append(
            select(
                literal("p"),
                none_int,
                cast(null(), JSON),
                ShippingPackage.sku,
                ShippingPackage.weight_g,
                ShippingPackage.length_cm,
                ShippingPackage.width_cm,
                ShippingPackage.height_cm,
            ).where(ShippingPackage.sku.in_(wanted))
        )
    if uow.tenant_id is not None:  # besides the session's tenant criteria, explicit in a compound statement
        parts[0] = parts[0].where(ShippingConfig.tenant_id == uow.tenant_id)
        if wanted:
            parts[1] = parts[1].where(ShippingPackage.tenant_id == uow.tenant_id)
    stmt = union_all(*parts) if len(parts) > 1 else parts[0]
    config: tuple[int, dict[str, Any]] | None = None
    sizes: dict[str, tuple[int, int, int, int]] = {}
    for kind, version, document, sku, w, ln, wd, h in (await uow.session.execute(stmt)).all():
        if kind == "c":
            config = (int(version), document)
        else:
            sizes[sku] = (int(w), int(ln), int(wd), int(h))
    return config, sizes


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
