"""Boleto check digits against examples computed by hand (and one published by Banco do Brasil)."""

from datetime import date
from decimal import Decimal

import pytest

from ecovarejo.core.errors import InvalidInput
from ecovarejo.payments.boleto import barcode_from_line, digitable_line, due_factor, issue, mod10, mod11_barcode


def test_published_banco_do_brasil_example() -> None:
    code = "00193373700000001000500940144816060680935031"
    assert digitable_line(code) == "00190500954014481606906809350314337370000000100"
    assert barcode_from_line("00190.50095 40144.816069 06809.350314 3 37370000000100") == code


def test_mod10_by_hand() -> None:
    # 001905009 from the right with weights 2,1,2,…: 9*2=18->1+8=9, 0, 0*2=0, 5, 0*2=0, 9, 1*2=2, 0, 0 => 25
    # (10 - 25 % 10) % 10 = 5
    assert mod10("001905009") == 5
    # 4014481606: 6*2=12->3, 0, 6*2=12->3, 1, 8*2=16->7, 4, 4*2=8, 1, 0, 4 => 31 -> 9
    assert mod10("4014481606") == 9
    assert mod10("0000000000") == 0


def test_mod11_by_hand() -> None:
    # "0019" + "3737" + "0000000100" + "0500940144816060680935031", weights 2..9 from the right:
    # the weighted sum is 712; 712 % 11 = 8; 11 - 8 = 3
    assert mod11_barcode("0019373700000001000500940144816060680935031") == 3
    # a sum divisible by 11 gives 11 -> 1; "0000000000" sums to 0 -> 11 -> 1
    assert mod11_barcode("0" * 43) == 1


def test_due_factor_including_the_2025_reset() -> None:
    assert due_factor(date(2000, 7, 3)) == 1000
    # 1997-10-07 -> 2010-10-07: 13 * 365 + 3 leap days = 4748; + 24 (Oct) + 17 (Nov) = 4789
    assert due_factor(date(2010, 11, 17)) == 4789
    assert due_factor(date(2025, 2, 21)) == 9999
    assert due_factor(date(2025, 2, 22)) == 1000
    assert due_factor(date(2026, 11, 29)) == 1000 + 645
    with pytest.raises(InvalidInput):
        due_factor(date(1999, 1, 1))


def test_issue_roundtrips_and_detects_typos() -> None:
    b = issue("341", Decimal("1234.56"), date(2026, 12, 10), "1570000000012345678901230")
    assert len(b.barcode) == 44 and len(b.digitable_line) == 47
    assert b.barcode[5:19] == "1656" + "0000123456"  # factor 1000 + 656 days after 2025-02-22
    assert barcode_from_line(b.formatted_line) == b.barcode
    typo = b.digitable_line[:3] + str((int(b.digitable_line[3]) + 1) % 10) + b.digitable_line[4:]
    with pytest.raises(InvalidInput):
        barcode_from_line(typo)
    with pytest.raises(InvalidInput):
        issue("341", Decimal("0.001"), date(2026, 12, 10), "1" * 25)
