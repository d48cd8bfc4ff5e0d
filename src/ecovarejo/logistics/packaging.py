"""From cart lines to one parcel: real weight, dimensions, cubic weight (as carriers compute it) and limits."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ecovarejo.core.errors import InvalidInput

from .config import DefaultPackage, Limits

#: Correios and most Brazilian carriers: cubic weight (kg) = L × W × H (cm) / 6000.
CUBIC_DIVISOR = 6000


class PackageTooHeavy(InvalidInput):
    code = "package_too_heavy"
    title = "Package too heavy"


class PackageTooLarge(InvalidInput):
    code = "package_too_large"
    title = "Package too large"


@dataclass(frozen=True)
class UnitSize:
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int


@dataclass(frozen=True)
class Parcel:
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int
    declared_value: Decimal
    units: int

    @property
    def cubic_weight_g(self) -> int:
        return math.ceil(self.length_cm * self.width_cm * self.height_cm * 1000 / CUBIC_DIVISOR)

    @property
    def billable_weight_g(self) -> int:
        return max(self.weight_g, self.cubic_weight_g)

    def fingerprint(self) -> str:
        raw = f"{self.weight_g}:{self.length_cm}x{self.width_cm}x{self.height_cm}:{self.declared_value}"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def as_dict(self) -> dict[str, int | str]:
        return {
            "weight_g": self.weight_g,
            "length_cm": self.length_cm,
            "width_cm": self.width_cm,
            "height_cm": self.height_cm,
            "cubic_weight_g": self.cubic_weight_g,
            "billable_weight_g": self.billable_weight_g,
            "declared_value": str(self.declared_value),
        }


def pack(
    lines: Sequence[tuple[str, int, Decimal]],
    sizes: Mapping[str, UnitSize],
    default: DefaultPackage,
    limits: Limits,
) -> Parcel:
    """One box for ``lines`` (sku, quantity, unit price): the units stand on the largest footprint and
    stack in height, so the box is never smaller than its contents. Beyond the limits: 422."""
    weight = length = width = height = units = 0
    value = Decimal("0")
    for sku, qty, price in lines:
        size = sizes.get(sku) or UnitSize(default.weight_g, default.length_cm, default.width_cm, default.height_cm)
        dims = sorted((size.length_cm, size.width_cm, size.height_cm), reverse=True)
        weight += size.weight_g * qty
        length, width = max(length, dims[0]), max(width, dims[1])
        height += dims[2] * qty
        units += qty
        value += price * qty
    # A tall stack is repacked as a squarer box of the same volume (carriers limit any side).
    if height > max(length, width) * 2:
        volume = length * width * height
        side = math.ceil(volume ** (1 / 3))
        length, width, height = (
            max(side, length),
            max(side, width),
            max(1, math.ceil(volume / (max(side, length) * max(side, width)))),
        )
    parcel = Parcel(weight, length, width, height, value.quantize(Decimal("0.01")), units)
    if parcel.billable_weight_g > limits.max_weight_g:
        raise PackageTooHeavy(
            f"the parcel weighs {parcel.billable_weight_g / 1000:.1f} kg (the greater of real and cubic weight); "
            f"the limit is {limits.max_weight_g / 1000:.0f} kg",
            extra={
                "weight_g": parcel.weight_g,
                "billable_weight_g": parcel.billable_weight_g,
                "max_weight_g": limits.max_weight_g,
            },
        )
    if max(length, width, height) > limits.max_side_cm or length + width + height > limits.max_sum_cm:
        raise PackageTooLarge(
            f"the parcel measures {length}x{width}x{height} cm; sides up to {limits.max_side_cm} cm "
            f"and {limits.max_sum_cm} cm in total",
            extra={"dimensions_cm": [length, width, height]},
        )
    return parcel
