"""Request and response bodies of the inventory API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class WarehouseIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    state: str = Field(default="SP", min_length=2, max_length=2)


class WarehouseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    name: str
    state: str
    is_active: bool


class AdjustIn(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    warehouse: str = Field(min_length=1, max_length=40, description="warehouse id or code")
    delta: int = Field(ge=-1_000_000, le=1_000_000, strict=True)
    reason: str = Field(min_length=1, max_length=200)
    reorder_level: int | None = Field(default=None, ge=0, le=1_000_000, strict=True)
    product_id: uuid.UUID | None = None
    supplier_id: str | None = Field(default=None, max_length=64)


class MoveIn(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    source: str = Field(min_length=1, max_length=40)
    target: str = Field(min_length=1, max_length=40)
    quantity: int = Field(gt=0, le=1_000_000, strict=True)
    reason: str = Field(min_length=1, max_length=200)


class StockOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    sku: str
    warehouse_id: uuid.UUID
    warehouse_code: str
    stock_quantity: int
    reserved_quantity: int
    available: int
    reorder_level: int
    product_id: uuid.UUID | None
    supplier_id: str | None


class StockList(BaseModel):
    items: list[StockOut]
    next_cursor: str | None = None


class MovementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    sku: str
    warehouse_id: uuid.UUID
    kind: str
    stock_delta: int
    reserved_delta: int
    reason: str
    actor: str | None
    reference: str | None
    created_at: datetime


class MovementList(BaseModel):
    items: list[MovementOut]
    next_cursor: str | None = None


class Availability(BaseModel):
    items: dict[str, int]
