"""Logistics tables: each tenant's shipping configuration, package sizes per SKU, shipments and their
tracking history."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.crypto import Encrypted, EncryptedJSON
from ecovarejo.core.db import Base, TenantOwned, Timestamped, new_id, utcnow
from ecovarejo.core.money import MoneyCents


class ShippingConfig(Base, TenantOwned, Timestamped):
    """One per tenant: the validated configuration document (origins, zones, rates, rules, carriers);
    ``version`` grows with each change and keys the quote cache."""

    __tablename__ = "shipping_configs"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_shipping_configs_tenant_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ShippingPackage(Base, TenantOwned, Timestamped):
    """Packed weight and dimensions of one unit of a SKU (what carriers weigh and measure)."""

    __tablename__ = "shipping_packages"
    __table_args__ = (UniqueConstraint("tenant_id", "sku", name="uq_shipping_packages_tenant_sku"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    sku: Mapped[str] = mapped_column(String(64))
    weight_g: Mapped[int] = mapped_column(Integer)
    length_cm: Mapped[int] = mapped_column(Integer)
    width_cm: Mapped[int] = mapped_column(Integer)
    height_cm: Mapped[int] = mapped_column(Integer)


class Shipment(Base, TenantOwned, Timestamped):
    """A parcel (or several) of an order sent with one carrier service.

    ``status``: created -> label_purchased -> posted -> in_transit -> out_for_delivery -> delivered,
    or (a pickup) ... -> ready_for_pickup -> delivered (collected), or failed_delivery / returned_to_sender /
    cancelled.
    """

    __tablename__ = "shipments"
    __table_args__ = (
        Index("ix_shipments_tenant_order", "tenant_id", "order_id"),
        Index("ix_shipments_carrier_ref", "carrier", "label_ref"),
        Index("ix_shipments_tracking_code", "tracking_code"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column()
    order_number: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(30), default="created")
    carrier: Mapped[str] = mapped_column(String(40))
    service: Mapped[str] = mapped_column(String(40))
    service_name: Mapped[str] = mapped_column(String(100))
    #: The carrier's id of the label/order (prepost id, Melhor Envio order id), for cancel and tracking.
    label_ref: Mapped[str | None] = mapped_column(String(100))
    tracking_code: Mapped[str | None] = mapped_column(String(100))
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    label_url: Mapped[str | None] = mapped_column(String(500))
    #: The label as the carrier printed it (Correios hands the PDF over once).
    label_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    #: Why the last step failed (label refused, carrier down), for staff.
    error: Mapped[str | None] = mapped_column(String(300))
    price: Mapped[Decimal] = mapped_column(MoneyCents, default=Decimal("0"))
    #: CO2e of the transport in grams (exact integer; kg = grams / 1000).
    co2e_g: Mapped[int] = mapped_column(Integer, default=0)
    distance_km: Mapped[int] = mapped_column(Integer, default=0)
    origin_cep: Mapped[str] = mapped_column(String(8))
    destination_cep: Mapped[str] = mapped_column(Encrypted("shipments.destination_cep"))
    #: Recipient (personal data: name, street, number, district, city, state, CEP; see docs/logistics.md).
    recipient: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON("shipments.recipient"))  # encrypted at rest
    packages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    email: Mapped[str | None] = mapped_column(Encrypted("shipments.email"))
    first_name: Mapped[str | None] = mapped_column(Encrypted("shipments.first_name"))
    locale: Mapped[str] = mapped_column(String(10), default="pt-BR")
    #: Where the customer collects the parcel (a shop's point or a carrier's agency: name, address, CEP,
    #: hours); null for delivery to the customer's address.
    pickup_point: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class ShipmentEvent(Base, TenantOwned):
    """One tracking step; ``external_id`` makes a replayed webhook or poll a no-op."""

    __tablename__ = "shipment_events"
    __table_args__ = (
        UniqueConstraint("shipment_id", "external_id", name="uq_shipment_events_shipment_external"),
        Index("ix_shipment_events_shipment_occurred", "shipment_id", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(300))
    location: Mapped[str | None] = mapped_column(String(200))
    external_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
