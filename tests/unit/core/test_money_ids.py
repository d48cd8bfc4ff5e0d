"""Money is exact and rounds explicitly; ids are RFC 9562 version 7 and sort by creation."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from ecovarejo.core.ids import uuid7
from ecovarejo.core.money import MoneyCents, format_brl, from_cents, quantize, to_cents, to_decimal


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        to_decimal(89.9)
    with pytest.raises(ValueError):
        to_decimal("R$ 10")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("-0.005", "-0.01"), ("89.9", "89.90"), (10, "10.00")],
)
def test_half_up_rounding_to_centavos(value: str | int, expected: str) -> None:
    assert quantize(value) == Decimal(expected)


def test_cents_round_trip_is_exact() -> None:
    for text in ("0.10", "0.20", "0.30", "89.90", "1234567.89"):
        assert from_cents(to_cents(text)) == Decimal(text)
    assert to_cents("0.1") + to_cents("0.2") == to_cents("0.3")


def test_money_column_binds_centavos() -> None:
    col = MoneyCents()
    assert col.process_bind_param(Decimal("89.90"), None) == 8990  # type: ignore[arg-type]
    assert col.process_result_value(8990, None) == Decimal("89.90")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0", "R$ 0,00"),
        ("89.9", "R$ 89,90"),
        ("1234.5", "R$ 1.234,50"),
        ("1234567.891", "R$ 1.234.567,89"),
        ("-5", "-R$ 5,00"),
    ],
)
def test_brl_format(value: str, text: str) -> None:
    assert format_brl(Decimal(value)) == text


def test_uuid7_version_variant_and_order() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
