"""Stock per SKU per warehouse, its ledger, and reservations held during checkout."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.db import Base, TenantOwned, Timestamped, new_id, utcnow


class Warehouse(Base, TenantOwned, Timestamped):
    __tablename__ = "warehouses"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_warehouses_tenant_code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    #: Brazilian state (UF) the warehouse ships from.
    state: Mapped[str] = mapped_column(String(2), default="SP")
    is_active: Mapped[bool] = mapped_column(default=True)


class StockItem(Base, TenantOwned, Timestamped):
    """One SKU in one warehouse. ``available = stock_quantity - reserved_quantity``; the CHECKs make
    overselling impossible even for a bug that skips the service's conditional updates."""

    __tablename__ = "stock_items"
    __table_args__ = (
        UniqueConstraint("tenant_id", "warehouse_id", "sku", name="uq_stock_items_tenant_warehouse_sku"),
        CheckConstraint("stock_quantity >= 0", name="stock_nonneg"),
        CheckConstraint("reserved_quantity >= 0", name="reserved_nonneg"),
        CheckConstraint("reserved_quantity <= stock_quantity", name="reserved_le_stock"),
        Index("ix_stock_items_tenant_sku", "tenant_id", "sku"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id", ondelete="RESTRICT"))
    sku: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[uuid.UUID | None] = mapped_column()
    stock_quantity: Mapped[int] = mapped_column(Integer, default=0)
    reserved_quantity: Mapped[int] = mapped_column(Integer, default=0)
    reorder_level: Mapped[int] = mapped_column(Integer, default=0)
    supplier_id: Mapped[str | None] = mapped_column(String(64))

    @property
    def available(self) -> int:
        return self.stock_quantity - self.reserved_quantity


class StockMovement(Base, TenantOwned):
    """The ledger: every change of stock or reservation, with its reason and actor."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_tenant_sku_created", "tenant_id", "sku", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    stock_item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_items.id", ondelete="CASCADE"))
    warehouse_id: Mapped[uuid.UUID] = mapped_column()
    sku: Mapped[str] = mapped_column(String(64))
    #: adjust | move_in | move_out | reserve | release | commit | restock
    kind: Mapped[str] = mapped_column(String(20))
    stock_delta: Mapped[int] = mapped_column(Integer, default=0)
    reserved_delta: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str | None] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reservation(Base, TenantOwned):
    """Stock held for a checkout until ``expires_at``: then committed, released or expired."""

    __tablename__ = "stock_reservations"
    __table_args__ = (Index("ix_stock_reservations_status_expires", "status", "expires_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(100))
    #: held | committed | released | expired | restocked
    status: Mapped[str] = mapped_column(String(20), default="held")
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ReservationLine(Base, TenantOwned):
    __tablename__ = "stock_reservation_lines"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    reservation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("stock_reservations.id", ondelete="CASCADE"), index=True
    )
    stock_item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_items.id", ondelete="RESTRICT"))
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
