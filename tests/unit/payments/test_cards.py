from decimal import Decimal

import pytest

from ecovarejo.core.errors import InvalidInput
from ecovarejo.payments.cards import InstallmentPolicy, brand_of, choose, installment_plan, luhn_valid, validate_card


@pytest.mark.parametrize(
    "number",
    ["4242 4242 4242 4242", "5555555555554444", "378282246310005", "6362970000457013", "6062825624254001"],
)
def test_luhn_accepts_valid_numbers(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["4242424242424241", "1234567812345678", "4242", "42424242424242424242"])
def test_luhn_refuses_invalid_numbers(number: str) -> None:
    assert not luhn_valid(number)


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6362970000457013", "elo"),
        ("5067000000000000", "elo"),
        ("4011780000000000", "elo"),
        ("6062825624254001", "hipercard"),
        ("36227206271667", "diners"),
        ("6011111111111117", "discover"),
        ("9999999999999995", "unknown"),
    ],
)
def test_brand_detection(number: str, brand: str) -> None:
    assert brand_of(number) == brand


def test_validate_card_refuses_bad_input() -> None:
    assert validate_card("4242-4242-4242-4242") == ("4242424242424242", "visa")
    with pytest.raises(InvalidInput):
        validate_card("4242 4242 4242 4241")
    with pytest.raises(InvalidInput):
        validate_card("4242x4242")


def test_interest_free_split_puts_leftover_centavos_on_the_first() -> None:
    opt = choose(Decimal("100.00"), 3)
    assert (opt.first_installment, opt.installment, opt.total, opt.interest_free) == (
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("100.00"),
        True,
    )
    assert opt.first_installment + opt.installment * 2 == Decimal("100.00")


def test_installments_with_interest_follow_the_price_table() -> None:
    # 1000.00 in 4x at 1.99 % a month: 1.0199^4 = 1.0820077..., PMT = 19.90 / (1 - 1/1.0820077) = 262.5600... -> 262.56
    policy = InstallmentPolicy(interest_free=3, monthly_rate=Decimal("0.0199"))
    opt = choose(Decimal("1000.00"), 4, policy)
    assert opt.installment == Decimal("262.56")
    assert opt.total == Decimal("1050.24")
    assert not opt.interest_free
    # 12x at 2.49 %: 1000 * 0.0249 / (1 - 1.0249^-12) = 97.4281... -> 97.43
    opt12 = choose(Decimal("1000.00"), 12, InstallmentPolicy(interest_free=1, monthly_rate=Decimal("0.0249")))
    assert (opt12.installment, opt12.total) == (Decimal("97.43"), Decimal("1169.16"))


def test_minimum_installment_limits_the_offer() -> None:
    plan = installment_plan(Decimal("30.00"), InstallmentPolicy(interest_free=12, min_installment=Decimal("10.00")))
    assert [o.count for o in plan] == [1, 2, 3]
    assert all(o.total == Decimal("30.00") for o in plan)
    with pytest.raises(InvalidInput):
        choose(Decimal("30.00"), 4, InstallmentPolicy(interest_free=12, min_installment=Decimal("10.00")))
    # a tiny amount still gets one installment
    assert [o.count for o in installment_plan(Decimal("1.00"))] == [1]


def test_plan_goes_up_to_twelve_and_refuses_bad_policies() -> None:
    assert [o.count for o in installment_plan(Decimal("5000.00"))] == list(range(1, 13))
    with pytest.raises(InvalidInput):
        InstallmentPolicy(max_installments=13)
    with pytest.raises(InvalidInput):
        InstallmentPolicy(max_installments=6, interest_free=7)
    with pytest.raises(InvalidInput):
        installment_plan(Decimal("0"))
