"""Boleto bancário (FEBRABAN): the 44-digit barcode, the 47-digit *linha digitável*, their check digits
and the due-date factor.

Barcode: bank (3) · currency 9 (1) · general check digit (1, mod 11) · due factor (4) · value in
centavos (10) · free field (25, the bank's). The typed line splits the free field into three fields with
a mod-10 digit each, then the general check digit, then factor and value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ecovarejo.core.errors import InvalidInput

FACTOR_BASE = date(1997, 10, 7)
#: Factor 9999 fell on 2025-02-21; from 2025-02-22 the factor restarts at 1000 (FEBRABAN).
FACTOR_RESET = date(2025, 2, 22)


def mod10(digits: str) -> int:
    """Weights 2,1,2,1… from the right; products' digits summed; ``(10 - sum % 10) % 10``."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        p = int(ch) * (2 if i % 2 == 0 else 1)
        total += p // 10 + p % 10
    return (10 - total % 10) % 10


def mod11_barcode(digits: str) -> int:
    """Weights 2…9 cycling from the right; ``11 - sum % 11``, with 0, 10 and 11 becoming 1."""
    total = sum(int(ch) * (2 + i % 8) for i, ch in enumerate(reversed(digits)))
    dv = 11 - total % 11
    return 1 if dv in (0, 10, 11) else dv


def due_factor(due: date) -> int:
    if due < date(2000, 7, 3):
        raise InvalidInput("due date before the factor's range", code="invalid_due_date")
    if due >= FACTOR_RESET:
        factor = 1000 + (due - FACTOR_RESET).days
    else:
        factor = (due - FACTOR_BASE).days
    if factor > 9999:
        raise InvalidInput("due date beyond the factor's range", code="invalid_due_date")
    return factor


@dataclass(frozen=True)
class Boleto:
    barcode: str
    digitable_line: str
    due: date
    amount: Decimal

    @property
    def formatted_line(self) -> str:
        d = self.digitable_line
        return f"{d[0:5]}.{d[5:10]} {d[10:15]}.{d[15:21]} {d[21:26]}.{d[26:32]} {d[32]} {d[33:]}"


def barcode(bank: str, amount: Decimal, due: date, free_field: str) -> str:
    if not (len(bank) == 3 and bank.isdigit()):
        raise InvalidInput("bank code has 3 digits", code="invalid_boleto")
    if not (len(free_field) == 25 and free_field.isdigit()):
        raise InvalidInput("the free field has 25 digits", code="invalid_boleto")
    cents = int((amount * 100).to_integral_value())
    if cents <= 0 or cents != amount * 100 or cents >= 10**10:
        raise InvalidInput("invalid boleto amount", code="invalid_amount")
    body = f"{bank}9{due_factor(due):04d}{cents:010d}{free_field}"
    dv = mod11_barcode(body)
    return body[:4] + str(dv) + body[4:]


def digitable_line(code: str) -> str:
    if not (len(code) == 44 and code.isdigit()):
        raise InvalidInput("a boleto barcode has 44 digits", code="invalid_boleto")
    free = code[19:44]
    f1 = code[0:4] + free[0:5]
    f2 = free[5:15]
    f3 = free[15:25]
    return f"{f1}{mod10(f1)}{f2}{mod10(f2)}{f3}{mod10(f3)}{code[4]}{code[5:19]}"


def barcode_from_line(line: str) -> str:
    """The barcode of a typed line, after checking every digit (what a payer's bank does)."""
    d = "".join(ch for ch in line if ch.isdigit())
    if len(d) != 47:
        raise InvalidInput("a linha digitável has 47 digits", code="invalid_boleto")
    for field, dv in ((d[0:9], d[9]), (d[10:20], d[20]), (d[21:31], d[31])):
        if mod10(field) != int(dv):
            raise InvalidInput("a check digit of the linha digitável is wrong", code="invalid_boleto")
    code = d[0:4] + d[32] + d[33:47] + d[4:9] + d[10:20] + d[21:31]
    if mod11_barcode(code[:4] + code[5:]) != int(code[4]):
        raise InvalidInput("the barcode check digit is wrong", code="invalid_boleto")
    return code


def issue(bank: str, amount: Decimal, due: date, free_field: str) -> Boleto:
    code = barcode(bank, amount, due, free_field)
    return Boleto(barcode=code, digitable_line=digitable_line(code), due=due, amount=amount)
