"""Carts: one per signed-in user (``u:<id>``) or guest (``g:<token>``), kept after the last change for the
tenant's cart retention period (24 h by default, the seed's ``SET cart:user-123 ... EX 86400``; the DPO
may change it, docs/privacy.md) in Redis when configured, else in process memory.

A cart holds only SKUs, quantities and coupon codes; prices are read from the catalog every time.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

CART_TTL = 24 * 3600
GUEST_COOKIE = "ev_cart"
GUEST_HEADER = "x-cart-id"


@dataclass
class Cart:
    owner: str
    lines: dict[str, int] = field(default_factory=dict)
    coupons: list[str] = field(default_factory=list)
    loyalty_points: int = 0

    def dump(self) -> str:
        return json.dumps({"lines": self.lines, "coupons": self.coupons, "loyalty_points": self.loyalty_points})

    @classmethod
    def load(cls, owner: str, raw: str | bytes | None) -> Cart:
        if not raw:
            return cls(owner)
        data = json.loads(raw)
        return cls(
            owner,
            {str(k): int(v) for k, v in data.get("lines", {}).items()},
            [str(c) for c in data.get("coupons", [])],
            int(data.get("loyalty_points", 0)),
        )


def owner_key(user_id: uuid.UUID | None, guest_token: str | None) -> str | None:
    if user_id is not None:
        return f"u:{user_id}"
    if guest_token:
        return f"g:{guest_token}"
    return None


def valid_guest_token(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    ok = 16 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum()
    return value if ok else None


def new_guest_token() -> str:
    return secrets.token_urlsafe(24)


class CartStore(Protocol):
    async def get(self, tenant_id: uuid.UUID, owner: str) -> Cart: ...

    async def save(self, tenant_id: uuid.UUID, cart: Cart) -> None: ...

    async def delete(self, tenant_id: uuid.UUID, owner: str) -> None: ...


def _key(tenant_id: uuid.UUID, owner: str) -> str:
    return f"cart:{tenant_id}:{owner}"


#: The tenant's cart life in seconds (the privacy context's retention period for carts).
TtlFor = Callable[[uuid.UUID], Awaitable[int]]


class MemoryCartStore:
    """In-process carts for the embedded mode (one process); expired entries vanish on read."""

    def __init__(self, ttl: int = CART_TTL, ttl_for: TtlFor | None = None) -> None:
        self.ttl = ttl
        self.ttl_for = ttl_for
        self._data: dict[str, tuple[float, str]] = {}

    async def get(self, tenant_id: uuid.UUID, owner: str) -> Cart:
        hit = self._data.get(_key(tenant_id, owner))
        if hit is None or hit[0] < time.monotonic():
            self._data.pop(_key(tenant_id, owner), None)
            return Cart(owner)
        return Cart.load(owner, hit[1])

    async def save(self, tenant_id: uuid.UUID, cart: Cart) -> None:
        if not cart.lines and not cart.coupons and not cart.loyalty_points:
            await self.delete(tenant_id, cart.owner)
            return
        ttl = await self.ttl_for(tenant_id) if self.ttl_for else self.ttl
        self._data[_key(tenant_id, cart.owner)] = (time.monotonic() + ttl, cart.dump())

    async def delete(self, tenant_id: uuid.UUID, owner: str) -> None:
        self._data.pop(_key(tenant_id, owner), None)


class RedisCartStore:
    def __init__(self, redis: Any, ttl: int = CART_TTL, ttl_for: TtlFor | None = None) -> None:
        self.redis = redis
        self.ttl = ttl
        self.ttl_for = ttl_for

    async def get(self, tenant_id: uuid.UUID, owner: str) -> Cart:
        return Cart.load(owner, await self.redis.get(_key(tenant_id, owner)))

    async def save(self, tenant_id: uuid.UUID, cart: Cart) -> None:
        if not cart.lines and not cart.coupons and not cart.loyalty_points:
            await self.delete(tenant_id, cart.owner)
            return
        ttl = await self.ttl_for(tenant_id) if self.ttl_for else self.ttl
        await self.redis.set(_key(tenant_id, cart.owner), cart.dump(), ex=ttl)

    async def delete(self, tenant_id: uuid.UUID, owner: str) -> None:
        await self.redis.delete(_key(tenant_id, owner))


def merge(into: Cart, other: Cart, max_line_quantity: int) -> Cart:
    """Guest lines join the user's cart (quantities add up, capped per line); coupons are kept once."""
    for sku, qty in other.lines.items():
        into.lines[sku] = min(max_line_quantity, into.lines.get(sku, 0) + qty)
    for code in other.coupons:
        if code not in into.coupons:
            into.coupons.append(code)
    return into
