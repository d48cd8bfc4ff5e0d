"""Inscrição estadual (IE) check digits per state, by the rules SINTEGRA publishes for each UF.

No well-kept PyPI library covers all 27 states (the candidates are unmaintained or brand new), so the
rules are here, each checked against the state's published example (tests/unit/users/test_state_registration.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

UFS = (
    "AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA", "PB", "PE", "PI", "PR",
    "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO",
)  # fmt: skip


def _sum(digits: str, weights: Sequence[int]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True))


def _mod11(digits: str, weights: Sequence[int]) -> int:
    """The usual rule: 11 - (sum mod 11), 0 when that is 10 or 11 (remainders 0 and 1)."""
    r = _sum(digits, weights) % 11
    return 0 if r < 2 else 11 - r


def _desc(start: int, count: int) -> list[int]:
    return list(range(start, start - count, -1))


def _plain9(ie: str) -> bool:
    """9 digits, one mod-11 digit with weights 9..2 (CE, ES, PB, SC, SE, PA, MA, PI...)."""
    return len(ie) == 9 and _mod11(ie[:8], _desc(9, 8)) == int(ie[8])


def _ac(ie: str) -> bool:
    if len(ie) != 13 or not ie.startswith("01"):
        return False
    d1 = _mod11(ie[:11], [4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    d2 = _mod11(ie[:11] + str(d1), [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    return ie[11:] == f"{d1}{d2}"


def _df(ie: str) -> bool:
    if len(ie) != 13 or not ie.startswith("07"):
        return False
    d1 = _mod11(ie[:11], [4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    d2 = _mod11(ie[:11] + str(d1), [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    return ie[11:] == f"{d1}{d2}"


def _al(ie: str) -> bool:
    if len(ie) != 9 or not ie.startswith("24"):
        return False
    d = (_sum(ie[:8], _desc(9, 8)) * 10) % 11
    return (0 if d == 10 else d) == int(ie[8])


def _ap(ie: str) -> bool:
    if len(ie) != 9 or not ie.startswith("03"):
        return False
    n = int(ie[:8])
    p, dd = (5, 0) if 3000001 <= n <= 3017000 else (9, 1) if 3017001 <= n <= 3019022 else (0, 0)
    d = 11 - (p + _sum(ie[:8], _desc(9, 8))) % 11
    return (0 if d == 10 else dd if d == 11 else d) == int(ie[8])


def _am(ie: str) -> bool:
    if len(ie) != 9:
        return False
    s = _sum(ie[:8], _desc(9, 8))
    d = 11 - s if s < 11 else (0 if s % 11 <= 1 else 11 - s % 11)
    return d == int(ie[8])


def _ba(ie: str) -> bool:
    if len(ie) not in (8, 9):
        return False
    base = ie[: len(ie) - 2]
    first = ie[0] if len(ie) == 8 else ie[1]
    mod = 10 if first in "0123458" else 11

    def digit(digits: str) -> int:
        s = _sum(digits, _desc(len(digits) + 1, len(digits)))
        if mod == 10:
            return (10 - s % 10) % 10
        return 0 if s % 11 < 2 else 11 - s % 11

    d2 = digit(base)
    d1 = digit(base + str(d2))
    return ie[-2:] == f"{d1}{d2}"


def _go(ie: str) -> bool:
    if len(ie) != 9 or ie[:2] not in {"10", "11", "15", *(str(n) for n in range(20, 30))}:
        return False
    if ie[:8] == "11094402":
        return ie[8] in "01"
    r = _sum(ie[:8], _desc(9, 8)) % 11
    if r == 0:
        d = 0
    elif r == 1:
        d = 1 if 10103105 <= int(ie[:8]) <= 10119997 else 0
    else:
        d = 11 - r
    return d == int(ie[8])


def _ma(ie: str) -> bool:
    return ie.startswith("12") and _plain9(ie)


def _mt(ie: str) -> bool:
    if not 9 <= len(ie) <= 11:
        return False
    ie = ie.zfill(11)
    return _mod11(ie[:10], [3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) == int(ie[10])


def _ms(ie: str) -> bool:
    if len(ie) != 9 or ie[:2] not in ("28", "50"):
        return False
    r = _sum(ie[:8], _desc(9, 8)) % 11
    d = 0 if r == 0 else 11 - r
    return (0 if d > 9 else d) == int(ie[8])


def _mg(ie: str) -> bool:
    if len(ie) != 13:
        return False
    padded = ie[:3] + "0" + ie[3:11]
    products = "".join(str(int(c) * (1 if i % 2 == 0 else 2)) for i, c in enumerate(padded))
    s = sum(int(c) for c in products)
    d1 = (10 - s % 10) % 10
    d2 = _mod11(ie[:11] + str(d1), [3, 2, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2])
    return ie[11:] == f"{d1}{d2}"


def _pa(ie: str) -> bool:
    return ie.startswith("15") and _plain9(ie)


def _pe(ie: str) -> bool:
    if len(ie) == 9:  # e-Fisco
        d1 = _mod11(ie[:7], _desc(8, 7))
        d2 = _mod11(ie[:7] + str(d1), _desc(9, 8))
        return ie[7:] == f"{d1}{d2}"
    if len(ie) == 14:  # the old CACEPE number
        d = 11 - _sum(ie[:13], [5, 4, 3, 2, 1, 9, 8, 7, 6, 5, 4, 3, 2]) % 11
        return (d - 10 if d > 9 else d) == int(ie[13])
    return False


def _pi(ie: str) -> bool:
    return _plain9(ie)


def _pr(ie: str) -> bool:
    if len(ie) != 10:
        return False
    d1 = _mod11(ie[:8], [3, 2, 7, 6, 5, 4, 3, 2])
    d2 = _mod11(ie[:8] + str(d1), [4, 3, 2, 7, 6, 5, 4, 3, 2])
    return ie[8:] == f"{d1}{d2}"


def _rj(ie: str) -> bool:
    return len(ie) == 8 and _mod11(ie[:7], [2, 7, 6, 5, 4, 3, 2]) == int(ie[7])


def _rn(ie: str) -> bool:
    if len(ie) not in (9, 10) or not ie.startswith("20"):
        return False
    n = len(ie) - 1
    d = (_sum(ie[:n], _desc(n + 1, n)) * 10) % 11
    return (0 if d == 10 else d) == int(ie[n])


def _ro(ie: str) -> bool:
    if len(ie) == 14:
        d = 11 - _sum(ie[:13], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) % 11
        return (d - 10 if d > 9 else d) == int(ie[13])
    if len(ie) == 9:  # before 2000: municipality (3) + company (5) + digit
        d = 11 - _sum(ie[3:8], [6, 5, 4, 3, 2]) % 11
        return (d - 10 if d > 9 else d) == int(ie[8])
    return False


def _rr(ie: str) -> bool:
    return len(ie) == 9 and ie.startswith("24") and _sum(ie[:8], range(1, 9)) % 9 == int(ie[8])


def _rs(ie: str) -> bool:
    return len(ie) == 10 and _mod11(ie[:9], [2, 9, 8, 7, 6, 5, 4, 3, 2]) == int(ie[9])


def _sc(ie: str) -> bool:
    return _plain9(ie)


def _se(ie: str) -> bool:
    return _plain9(ie)


def _ce(ie: str) -> bool:
    return _plain9(ie)


def _es(ie: str) -> bool:
    return _plain9(ie)


def _pb(ie: str) -> bool:
    return _plain9(ie)


def _sp(ie: str) -> bool:
    if ie.startswith("P"):  # rural producer: P + 8 digits + digit + 3 digits
        body = ie[1:]
        return (len(body) == 12 and body.isdigit()
                and _sum(body[:8], [1, 3, 4, 5, 6, 7, 8, 10]) % 11 % 10 == int(body[8]))  # fmt: skip
    if len(ie) != 12:
        return False
    d1 = _sum(ie[:8], [1, 3, 4, 5, 6, 7, 8, 10]) % 11 % 10
    d2 = _sum(ie[:11], [3, 2, 10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11 % 10
    return int(ie[8]) == d1 and int(ie[11]) == d2


def _to(ie: str) -> bool:
    if len(ie) == 11:  # the old number carries a category (01, 02, 03, 99) in digits 3-4
        if ie[2:4] not in ("01", "02", "03", "99"):
            return False
        base = ie[:2] + ie[4:10]
    elif len(ie) == 9:
        base = ie[:8]
    else:
        return False
    return _mod11(base, _desc(9, 8)) == int(ie[-1])


RULES: dict[str, Callable[[str], bool]] = {
    "AC": _ac, "AL": _al, "AM": _am, "AP": _ap, "BA": _ba, "CE": _ce, "DF": _df, "ES": _es, "GO": _go,
    "MA": _ma, "MG": _mg, "MS": _ms, "MT": _mt, "PA": _pa, "PB": _pb, "PE": _pe, "PI": _pi, "PR": _pr,
    "RJ": _rj, "RN": _rn, "RO": _ro, "RR": _rr, "RS": _rs, "SC": _sc, "SE": _se, "SP": _sp, "TO": _to,
}  # fmt: skip


def clean(value: str) -> str:
    """Digits only (and SP's rural producer ``P``), the usual punctuation dropped."""
    return re.sub(r"[.\-/\s]", "", value.strip().upper())


def is_valid_ie(value: str, uf: str) -> bool:
    """The IE's check digits are right for the state ``uf``."""
    ie = clean(value)
    rule = RULES.get(uf.upper())
    if rule is None or not ie or not (ie.isdigit() or (uf.upper() == "SP" and ie.startswith("P"))):
        return False
    return rule(ie)


def states_valid_for(value: str) -> list[str]:
    """The states whose rules this IE satisfies (without a UF, a number no state accepts is refused)."""
    return [uf for uf in UFS if is_valid_ie(value, uf)]
