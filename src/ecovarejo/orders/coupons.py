"""Coupons: percent, fixed amount or free shipping; conditions, validity window, usage limits, stacking.

Stacking rule: up to :data:`MAX_COUPONS` coupons per order, and a coupon that is not ``stackable``
must be alone. Percent coupons and fixed coupons each apply to the subtotal of the lines they are
eligible for; the sum never exceeds the subtotal.

Limits hold under concurrency: at checkout :func:`claim` increments ``used_count`` with a conditional
UPDATE (which also locks the coupon row until commit), then counts this customer's redemptions with a
fresh snapshot; coupons are claimed in id order so two checkouts never lock them crosswise.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ecovarejo.core.errors import Conflict, InvalidInput
from ecovarejo.core.money import quantize
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .models import Coupon, CouponRedemption
from .pricing import Discount, PricedLine, coupon_amount, eligible_subtotal

MAX_COUPONS = 3
KINDS = ("percent", "fixed", "free_shipping")


def normalise(code: str) -> str:
    return code.strip().upper()


@dataclass(frozen=True)
class CouponSpec:
    code: str
    kind: str
    value: Decimal = Decimal("0")
    description: str | None = None
    min_subtotal: Decimal | None = None
    category_ids: tuple[str, ...] = ()
    certified_only: bool = False
    first_order_only: bool = False
    b2b_only: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    max_uses: int | None = None
    max_uses_per_customer: int | None = None
    stackable: bool = False


async def create_coupon(uow: UnitOfWork, spec: CouponSpec) -> Coupon:
    code = normalise(spec.code)
    if not code or len(code) > 40 or not code.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput("coupon code must be letters, digits, - or _", code="invalid_coupon_code")
    if spec.kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", code="invalid_coupon_kind")
    value = quantize(spec.value)
    if spec.kind == "percent" and not Decimal("0") < value <= Decimal("100"):
        raise InvalidInput("a percent coupon takes 0 < value <= 100", code="invalid_coupon_value")
    if spec.kind == "fixed" and value <= 0:
        raise InvalidInput("a fixed coupon takes a positive amount", code="invalid_coupon_value")
    if spec.starts_at and spec.ends_at and spec.ends_at <= spec.starts_at:
        raise InvalidInput("ends_at must be after starts_at", code="invalid_coupon_window")
    for n in (spec.max_uses, spec.max_uses_per_customer):
        if n is not None and n < 1:
            raise InvalidInput("usage limits must be at least 1", code="invalid_coupon_limit")
    if await repo.coupon_by_code(uow, code) is not None:
        raise Conflict(f"coupon {code} already exists", code="coupon_exists")
    coupon = Coupon(
        code=code,
        kind=spec.kind,
        value=value if spec.kind != "free_shipping" else Decimal("0"),
        description=spec.description,
        min_subtotal=quantize(spec.min_subtotal) if spec.min_subtotal is not None else None,
        category_ids=[str(c) for c in spec.category_ids],
        certified_only=spec.certified_only,
        first_order_only=spec.first_order_only,
        b2b_only=spec.b2b_only,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        max_uses=spec.max_uses,
        max_uses_per_customer=spec.max_uses_per_customer,
        used_count=0,
        stackable=spec.stackable,
        is_active=True,
    )
    repo.add(uow, coupon)
    await uow.flush()
    return coupon


#: what an edit may change (the code and the kind stay: carts and redemptions name them)
EDITABLE = frozenset(
    {"description", "value", "min_subtotal", "certified_only", "first_order_only", "b2b_only", "starts_at"}
    | {"ends_at", "max_uses", "max_uses_per_customer", "stackable", "is_active"}
)


async def update_coupon(uow: UnitOfWork, coupon_id: uuid.UUID, changes: dict[str, Any]) -> Coupon:
    """Edit a coupon (any of :data:`EDITABLE`; ``is_active=False`` deactivates it: refused at the next
    cart or checkout, past orders keep their discount). Checked as a new coupon is, and a usage limit
    never goes under the uses already made."""
    from ecovarejo.core.errors import NotFound

    unknown = set(changes) - EDITABLE
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))}", code="coupon_field_not_editable")
    c = await repo.coupon(uow, coupon_id)
    if c is None:
        raise NotFound("coupon not found", code="coupon_not_found")
    merged = {k: getattr(c, k) for k in EDITABLE} | changes
    value = quantize(merged["value"] or Decimal("0"))
    if c.kind == "percent" and not Decimal("0") < value <= Decimal("100"):
        raise InvalidInput("a percent coupon takes 0 < value <= 100", code="invalid_coupon_value")
    if c.kind == "fixed" and value <= 0:
        raise InvalidInput("a fixed coupon takes a positive amount", code="invalid_coupon_value")
    if merged["starts_at"] and merged["ends_at"] and merged["ends_at"] <= merged["starts_at"]:
        raise InvalidInput("ends_at must be after starts_at", code="invalid_coupon_window")
    for n in (merged["max_uses"], merged["max_uses_per_customer"]):
        if n is not None and n < 1:
            raise InvalidInput("usage limits must be at least 1", code="invalid_coupon_limit")
    if merged["max_uses"] is not None and merged["max_uses"] < c.used_count:
        raise InvalidInput(
            f"the coupon was used {c.used_count} times already", code="coupon_limit_below_uses",
            extra={"used_count": c.used_count},
        )  # fmt: skip
    for k, v in merged.items():
        setattr(c, k, v)
    c.value = value if c.kind != "free_shipping" else Decimal("0")
    if c.min_subtotal is not None:
        c.min_subtotal = quantize(c.min_subtotal)
    await uow.flush()
    return c


async def list_coupons(uow: UnitOfWork, limit: int = 200) -> list[Coupon]:
    return await repo.list_coupons(uow, limit)


def _refuse(detail: str, code: str, coupon: str) -> InvalidInput:
    return InvalidInput(detail, code=code, extra={"coupon": coupon})


async def evaluate(
    uow: UnitOfWork,
    codes: Sequence[str],
    lines: Sequence[PricedLine],
    *,
    user_id: uuid.UUID | None,
    now: datetime,
    is_b2b: Callable[[], Awaitable[bool]],
) -> list[Discount]:
    """The discounts of ``codes`` on ``lines``; a coupon that does not apply is refused with its reason."""
    wanted = list(dict.fromkeys(normalise(c) for c in codes))
    if not wanted:
        return []
    if len(wanted) > MAX_COUPONS:
        raise InvalidInput(f"at most {MAX_COUPONS} coupons per order", code="too_many_coupons")
    found = {c.code: c for c in await repo.coupons_by_code(uow, wanted)}
    subtotal = sum((ln.line_total for ln in lines), Decimal("0"))
    out: list[Discount] = []
    for code in wanted:
        c = found.get(code)
        if c is None or not c.is_active:
            raise _refuse(f"coupon {code} does not exist", "coupon_not_found", code)
        if len(wanted) > 1 and not c.stackable:
            raise _refuse(f"coupon {code} cannot be combined with other coupons", "coupon_not_stackable", code)
        if c.starts_at and now < c.starts_at:
            raise _refuse(f"coupon {code} is not valid yet", "coupon_not_started", code)
        if c.ends_at and now >= c.ends_at:
            raise _refuse(f"coupon {code} has expired", "coupon_expired", code)
        if c.min_subtotal is not None and subtotal < c.min_subtotal:
            raise _refuse(f"coupon {code} needs a subtotal of at least {c.min_subtotal}", "coupon_min_subtotal", code)
        if (c.first_order_only or c.b2b_only or c.max_uses_per_customer) and user_id is None:
            raise _refuse(f"sign in to use coupon {code}", "coupon_requires_login", code)
        if c.first_order_only and user_id and await repo.count_orders_of(uow, user_id, ("cancelled",)) > 0:
            raise _refuse(f"coupon {code} is for a first order only", "coupon_first_order_only", code)
        if c.b2b_only and not await is_b2b():
            raise _refuse(f"coupon {code} is for business customers", "coupon_b2b_only", code)
        if c.max_uses is not None and c.used_count >= c.max_uses:
            raise Conflict(f"coupon {code} has been used up", code="coupon_exhausted", extra={"coupon": code})
        if (
            c.max_uses_per_customer is not None
            and user_id is not None
            and await repo.redemptions_of(uow, c.id, user_id) >= c.max_uses_per_customer
        ):
            raise Conflict(f"you have already used coupon {code}", code="coupon_limit_reached", extra={"coupon": code})
        base = eligible_subtotal(lines, c.category_ids, c.certified_only)
        if base <= 0:
            raise _refuse(f"coupon {code} does not apply to these products", "coupon_not_applicable", code)
        amount = coupon_amount(c.kind, c.value, base)
        out.append(Discount(code=code, kind=c.kind, amount=amount, free_shipping=c.kind == "free_shipping"))
    return out


async def claim(uow: UnitOfWork, discounts: Sequence[Discount], *, user_id: uuid.UUID, order_id: uuid.UUID) -> None:
    """Take one use of each coupon for this order, or refuse (409) when a limit was reached meanwhile."""
    if not discounts:
        return
    found = await repo.coupons_by_code(uow, [d.code for d in discounts])
    amounts = {d.code: d.amount for d in discounts}
    for c in sorted(found, key=lambda c: c.id):
        if not await repo.claim_coupon(uow, c.id):
            raise Conflict(f"coupon {c.code} has been used up", code="coupon_exhausted", extra={"coupon": c.code})
        if (
            c.max_uses_per_customer is not None
            and await repo.redemptions_of(uow, c.id, user_id) >= c.max_uses_per_customer
        ):
            raise Conflict(
                f"you have already used coupon {c.code}", code="coupon_limit_reached", extra={"coupon": c.code}
            )
        repo.add(uow, CouponRedemption(coupon_id=c.id, user_id=user_id, order_id=order_id, amount=amounts[c.code]))
    await uow.flush()


async def unclaim(uow: UnitOfWork, order_id: uuid.UUID) -> None:
    """Give the uses back when an order is cancelled before it was fulfilled."""
    for r in await repo.redemptions_for_order(uow, order_id):
        await repo.release_coupon(uow, r.coupon_id)
        await uow.session.delete(r)
    await uow.flush()
