"""Money is exact: ``Decimal`` in code, integer centavos in storage, never ``float``.

Rounding is explicit: :data:`ROUNDING` (half-up, as Brazilian invoices and price tags round) at
two places, applied only where a value is presented or stored.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
ROUNDING = ROUND_HALF_UP
DEFAULT_CURRENCY = "BRL"


def to_decimal(value: Any) -> Decimal:
    """Parse an amount; floats are refused so that no binary rounding sneaks in."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def quantize(value: Decimal | int | str) -> Decimal:
    return to_decimal(value).quantize(CENT, rounding=ROUNDING)


def to_cents(value: Decimal | int | str) -> int:
    return int(quantize(value) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_brl(value: Decimal) -> str:
    """``Decimal('1234.5')`` -> ``'R$ 1.234,50'``."""
    q = quantize(value)
    sign = "-" if q < 0 else ""
    whole, frac = f"{abs(q):.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}R$ {'.'.join(groups)},{frac}"


class MoneyCents(TypeDecorator[Decimal]):
    """A ``Decimal`` amount stored as integer centavos: exact on SQLite and PostgreSQL alike."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return to_cents(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return from_cents(int(value))
