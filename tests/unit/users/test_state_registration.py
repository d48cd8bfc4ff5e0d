"""State registration (IE) check digits: each state's example as SINTEGRA publishes it is valid for its
state, and every change of its last digit is refused; a number is checked against its own state's rule."""

from __future__ import annotations

import pytest

from ecovarejo.core.errors import InvalidInput
from ecovarejo.users.documents import normalize_state_registration
from ecovarejo.users.state_registration import UFS, clean, is_valid_ie, states_valid_for

#: Each state's published example (formatted as the state writes it, where it has a mask).
EXAMPLES = [
    ("AC", "01.004.823/001-12"),
    ("AL", "240000048"),
    ("AP", "030123459"),
    ("AM", "04.117.161-6"),
    ("BA", "123456-63"),  # 8 digits, modulo 10
    ("BA", "612345-57"),  # 8 digits, modulo 11
    ("BA", "1000003-06"),  # 9 digits
    ("CE", "06000001-5"),
    ("DF", "07300001001-09"),
    ("ES", "999.999.99-0"),
    ("GO", "10.987.654-7"),
    ("MA", "12000038-5"),
    ("MT", "0013000001-9"),
    ("MS", "28.311.594-7"),
    ("MG", "062.307.904/0081"),
    ("PA", "15-999999-5"),
    ("PB", "06000001-5"),
    ("PR", "123.45678-50"),
    ("PE", "0321418-40"),  # e-Fisco
    ("PE", "18.1.001.0000004-9"),  # the old CACEPE number
    ("PI", "012345679"),
    ("RJ", "99.999.99-3"),
    ("RN", "20.040.040-1"),
    ("RN", "20.0.040.040-0"),  # 10 digits
    ("RS", "224/3658792"),
    ("RO", "0000000062521-3"),
    ("RO", "101.62521-3"),  # before 2000
    ("RR", "24.006.628-1"),
    ("SC", "251.040.852"),
    ("SP", "110.042.490.114"),
    ("SP", "P-01100424.3/002"),  # rural producer
    ("SE", "27123456-3"),
    ("TO", "29010227836"),
]


@pytest.mark.parametrize(("uf", "ie"), EXAMPLES)
def test_published_examples_are_valid_and_a_wrong_digit_is_not(uf: str, ie: str) -> None:
    assert is_valid_ie(ie, uf)
    digits = clean(ie)
    at = 9 if digits.startswith("P") else len(digits) - 1  # SP's rural number has its digit 10th, not last
    for wrong in "0123456789":
        if wrong != digits[at]:
            changed = digits[:at] + wrong + digits[at + 1 :]
            assert not is_valid_ie(changed, uf), (uf, changed)


def test_every_state_has_a_rule_and_an_example() -> None:
    assert {uf for uf, _ in EXAMPLES} == set(UFS) and len(UFS) == 27


def test_checked_against_its_own_state() -> None:
    assert not is_valid_ie("110.042.490.114", "RJ")  # SP's number, wrong length for RJ
    assert not is_valid_ie("P-01100424.3/002", "MG")  # only SP has rural producers' P numbers
    assert not is_valid_ie("240000048", "XX")
    assert "SP" in states_valid_for("110042490114")
    assert states_valid_for("110042490115") == []


def test_normalize_checks_digits_for_the_state() -> None:
    assert normalize_state_registration("110.042.490.114", "SP") == "110042490114"
    assert normalize_state_registration("110.042.490.114") == "110042490114"  # valid in some state
    assert normalize_state_registration("isento", "SP") == "ISENTO"
    for bad, uf in (("110.042.490.115", "SP"), ("110042490114", "MG"), ("110042490115", None), ("12-AB", None)):
        with pytest.raises(InvalidInput) as exc:
            normalize_state_registration(bad, uf)
        assert exc.value.code == "invalid_ie"
    with pytest.raises(InvalidInput) as exc:
        normalize_state_registration("110042490114", "ZZ")
    assert exc.value.code == "invalid_state"
