"""What logistics needs to know of an order to ship it, declared here (logistics sits below orders);
the orders context implements it and provides it as the ``OrderSource`` port."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from ecovarejo.core.uow import UnitOfWork


@dataclass(frozen=True)
class OrderLine:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class OrderToShip:
    id: uuid.UUID
    number: str
    user_id: uuid.UUID
    status: str
    email: str | None
    first_name: str | None
    locale: str
    shipping_address: dict[str, Any]
    lines: tuple[OrderLine, ...]
    #: The option the customer chose at checkout (carrier, service), when there was one.
    carrier: str | None = None
    service: str | None = None
    #: The pickup point chosen at checkout (the quote option's ``pickup``): the parcel goes there.
    pickup: dict[str, Any] | None = None


@runtime_checkable
class OrderSource(Protocol):
    async def order_to_ship(self, uow: UnitOfWork, order_id: uuid.UUID) -> OrderToShip | None: ...
