"""Quoting: every enabled carrier at once, each behind a timeout and a circuit breaker, cached per
(origin, destination, parcel); free-shipping rules, emissions per option, and signed option ids.

A carrier that fails, times out or has its circuit open is left out (and named in ``degraded``); when no
carrier answers, the tenant's table rates answer even if they are switched off: a quote never fails
because a carrier is down.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import structlog

from ecovarejo.core.errors import DomainError, InvalidInput

from . import cep as ceps
from . import emissions
from .breaker import CircuitBreaker
from .carriers.base import Carrier, CarrierOption, QuoteRequest
from .config import ShippingDocument
from .packaging import Parcel
from .quote_cache import MemoryQuoteCache, QuoteCache, cache_key

log = structlog.get_logger("ecovarejo.logistics.quotes")
ZERO = Decimal("0.00")
#: Carriers that answer from the configuration alone (no network).
LOCAL = frozenset({"table_rate", "pickup"})


class NoShippingOptions(DomainError):
    status = 422
    code = "no_shipping_options"
    title = "No shipping to this CEP"


class ShippingOptionInvalid(InvalidInput):
    code = "invalid_shipping_option"
    title = "Invalid shipping option"


class ShippingOptionUnavailable(DomainError):
    status = 409
    code = "shipping_option_unavailable"
    title = "Shipping option no longer available"


@dataclass(frozen=True)
class ShippingOption:
    """One priced way to ship: what the customer picks. ``id`` is signed and carries every figure."""

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
    mode: str
    co2e_kg: Decimal
    distance_km: int
    expires_at: datetime
    #: Where the customer collects the parcel (name, address, CEP, hours), for a pickup option.
    pickup: dict[str, str] | None = None
    #: Whether a free-shipping coupon makes this option free under the shop's rule (not signed: said when
    #: quoted so a page can show it free for a cart with the coupon; checkout says it again on confirming,
    #: and the orders context zeroes the price only then).
    free_with_coupon: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "carrier": self.carrier,
            "service": self.service,
            "service_name": self.service_name,
            "company": self.company,
            "price": str(self.price),
            "original_price": str(self.original_price),
            "free": self.free,
            "days_min": self.days_min,
            "days_max": self.days_max,
            "kind": self.kind,
            "green": self.kind == "green",
            "mode": self.mode,
            "co2e_kg": str(self.co2e_kg),
            "distance_km": self.distance_km,
            "expires_at": self.expires_at.isoformat(),
            "pickup": self.pickup,
            "free_with_coupon": self.free_with_coupon,
        }


@dataclass(frozen=True)
class ShippingQuote:
    destination_cep: str
    destination_state: str
    origin_cep: str
    parcel: Parcel
    options: tuple[ShippingOption, ...]
    #: Carriers left out of this answer (down, slow, circuit open).
    degraded: tuple[str, ...] = ()


@dataclass
class QuoteEngine:
    carriers: dict[str, Carrier]
    secret: bytes
    timeout: float = 3.0
    cache_ttl: float = 600.0
    validity: float = 1800.0
    breaker_failures: int = 3
    breaker_cooldown: float = 30.0
    clock: Callable[[], float] = time.time
    breakers: dict[str, CircuitBreaker] = field(default_factory=dict)
    #: In-process by default; Redis (shared by every process) when the platform has it.
    cache: QuoteCache = field(default_factory=MemoryQuoteCache)

    def breaker(self, name: str) -> CircuitBreaker:
        if name not in self.breakers:
            self.breakers[name] = CircuitBreaker(self.breaker_failures, self.breaker_cooldown)
        return self.breakers[name]

    def enabled(self, doc: ShippingDocument) -> list[str]:
        names = []
        if doc.carriers.table_rate:
            names.append("table_rate")
        if any(p.enabled for p in doc.pickup_points) and "pickup" in self.carriers:
            names.append("pickup")
        if doc.carriers.correios and "correios" in self.carriers:
            names.append("correios")
        if doc.carriers.melhorenvio and "melhorenvio" in self.carriers:
            names.append("melhorenvio")
        return names

    async def _one(self, name: str, req: QuoteRequest, key: tuple[Any, ...]) -> list[CarrierOption] | None:
        carrier = self.carriers[name]
        if name in LOCAL:  # local arithmetic: no breaker, no cache
            return await carrier.quote(req)
        hit = await self.cache.get(cache_key(key))
        if hit is not None:
            return hit
        breaker = self.breaker(name)
        if not breaker.allow():
            return None
        try:
            options = await asyncio.wait_for(carrier.quote(req), self.timeout)
        except Exception as exc:  # a carrier's failure is never the customer's error
            breaker.failure()
            log.warning("carrier_quote_failed", carrier=name, error=f"{type(exc).__name__}: {exc}")
            return None
        breaker.success()
        await self.cache.put(cache_key(key), options, self.cache_ttl)
        return options

    async def quote(
        self,
        *,
        tenant_id: uuid.UUID,
        version: int,
        doc: ShippingDocument,
        destination_cep: str,
        destination_state: str,
        parcel: Parcel,
        goods_total: Decimal,
        free_shipping_coupon: bool = False,
        destination_city: str = "",
    ) -> ShippingQuote:
        origin = doc.origin
        distance = ceps.distance_km(origin.cep, destination_cep)
        req = QuoteRequest(origin, destination_cep, destination_state, parcel, doc, distance, destination_city)
        names = self.enabled(doc)
        fp = parcel.fingerprint()
        results = await asyncio.gather(
            *(self._one(n, req, (tenant_id, version, n, origin.cep, destination_cep, fp)) for n in names)
        )
        answered: list[CarrierOption] = []
        degraded = []
        for name, res in zip(names, results, strict=True):
            if res is None:
                degraded.append(name)
            else:
                answered.extend(res)
        if not any(o.carrier not in LOCAL for o in answered) and "table_rate" not in names:
            answered.extend(await self.carriers["table_rate"].quote(req))  # last resort: never no answer
        if not answered:
            raise NoShippingOptions("we do not deliver to this CEP yet", extra={"cep": ceps.formatted(destination_cep)})
        free_rule = doc.free_shipping
        expires = self.clock() + self.validity
        options = []
        for o in answered:
            is_free = free_rule.free(
                destination_state, o.carrier, o.service, goods_total=goods_total, coupon=free_shipping_coupon
            )
            # a pickup option travels to the point, not to the customer's door
            km = ceps.distance_km(origin.cep, o.point.cep) if o.point is not None else distance
            mode = emissions.mode_for(o.kind, km)
            signed = self._sign(
                tenant_id,
                destination_cep,
                fp,
                expires,
                carrier=o.carrier,
                service=o.service,
                service_name=o.service_name,
                company=o.company,
                price=ZERO if is_free else o.price,
                original_price=o.price,
                free=is_free,
                days_min=o.days_min + doc.handling_days,
                days_max=o.days_max + doc.handling_days,
                kind=o.kind,
                mode=mode,
                co2e_kg=emissions.kg_co2e(km, parcel.weight_g, mode),
                distance_km=round(km),
                pickup=o.point.as_dict() if o.point is not None else None,
            )
            by_coupon = free_rule.free(destination_state, o.carrier, o.service, goods_total=None, coupon=True)
            options.append(replace(signed, free_with_coupon=by_coupon))
        options.sort(key=lambda o: (o.price, o.days_max, o.co2e_kg))
        return ShippingQuote(destination_cep, destination_state, origin.cep, parcel, tuple(options), tuple(degraded))

    # -- signed option ids ------------------------------------------------------------------------------

    def _sign(self, tenant_id: uuid.UUID, cep: str, fp: str, expires: float, **f: Any) -> ShippingOption:
        payload = {
            "t": str(tenant_id), "z": cep, "f": fp, "x": int(expires),
            **{k: (str(v) if isinstance(v, Decimal) else v) for k, v in f.items()},
        }  # fmt: skip
        raw = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
        sig = hmac.new(self.secret, raw.encode(), hashlib.sha256).hexdigest()[:32]
        return ShippingOption(id=f"{raw}.{sig}", expires_at=datetime.fromtimestamp(int(expires), UTC), **f)

    def open(self, option_id: str, *, tenant_id: uuid.UUID) -> tuple[ShippingOption, dict[str, Any]]:
        """The option a signed id stands for (any tampering: 422); the caller checks expiry and fit."""
        raw, _, sig = (option_id or "").partition(".")
        good = hmac.new(self.secret, raw.encode(), hashlib.sha256).hexdigest()[:32]
        if not raw or not hmac.compare_digest(good, sig):
            raise ShippingOptionInvalid("this shipping option is not one we quoted")
        try:
            payload = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except ValueError as exc:
            raise ShippingOptionInvalid("this shipping option is not one we quoted") from exc
        if payload.get("t") != str(tenant_id):
            raise ShippingOptionInvalid("this shipping option is not one we quoted")
        unsigned = {"id", "expires_at", "pickup", "free_with_coupon"}
        wanted = [k for k in ShippingOption.__dataclass_fields__ if k not in unsigned]
        if any(k not in payload for k in wanted):
            raise ShippingOptionInvalid("this shipping option is not one we quoted")
        fields = {k: payload[k] for k in wanted}
        fields["pickup"] = payload.get("pickup")
        for k in ("price", "original_price", "co2e_kg"):
            fields[k] = Decimal(fields[k])
        opt = ShippingOption(id=option_id, expires_at=datetime.fromtimestamp(int(payload["x"]), UTC), **fields)
        return opt, payload

    def expired(self, payload: dict[str, Any]) -> bool:
        return int(payload["x"]) <= self.clock()
