"""Brazilian documents: CPF, CNPJ (numeric and the alphanumeric format valid from July 2026) and CEP.

Each ``normalize_*`` returns the canonical form (no punctuation, upper-case) or raises
:class:`InvalidInput`; ``is_valid_*`` answers yes/no.

CNPJ check digits (Receita Federal, IN RFB 2.229/2024): each of the first 12 characters counts as
``ord(c) - 48`` (digits 0–9 keep their value, ``A`` = 17 … ``Z`` = 42); the first check digit uses the
weights 5,4,3,2,9,8,7,6,5,4,3,2 and the second 6,5,4,3,2,9,8,7,6,5,4,3,2 over the 12 characters plus
the first digit; digit = 0 when the sum mod 11 is below 2, else 11 − (sum mod 11).
"""

from __future__ import annotations

import re

from ecovarejo.core.errors import InvalidInput

_CNPJ_SHAPE = re.compile(r"^[0-9A-Z]{12}[0-9]{2}$")
_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def _mod11_digit(values: list[int], weights: tuple[int, ...]) -> int:
    rest = sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def cnpj_check_digits(base12: str) -> str:
    values = [ord(c) - 48 for c in base12]
    d1 = _mod11_digit(values, _CNPJ_W1)
    d2 = _mod11_digit([*values, d1], _CNPJ_W2)
    return f"{d1}{d2}"


def clean_cnpj(value: str) -> str:
    return re.sub(r"[.\-/\s]", "", value).upper()


def is_valid_cnpj(value: str) -> bool:
    cnpj = clean_cnpj(value)
    if not _CNPJ_SHAPE.match(cnpj) or len(set(cnpj)) == 1:
        return False
    return cnpj_check_digits(cnpj[:12]) == cnpj[12:]


def normalize_cnpj(value: str) -> str:
    if not is_valid_cnpj(value):
        raise InvalidInput("invalid CNPJ", code="invalid_cnpj")
    return clean_cnpj(value)


def format_cnpj(value: str) -> str:
    c = clean_cnpj(value)
    return f"{c[:2]}.{c[2:5]}.{c[5:8]}/{c[8:12]}-{c[12:]}"


def is_valid_cpf(value: str) -> bool:
    cpf = re.sub(r"[.\-\s]", "", value)
    if not re.fullmatch(r"[0-9]{11}", cpf) or len(set(cpf)) == 1:
        return False
    digits = [int(c) for c in cpf]
    for n in (9, 10):
        total = sum(d * w for d, w in zip(digits[:n], range(n + 1, 1, -1), strict=True))
        check = (total * 10) % 11 % 10
        if check != digits[n]:
            return False
    return True


def normalize_cpf(value: str) -> str:
    if not is_valid_cpf(value):
        raise InvalidInput("invalid CPF", code="invalid_cpf")
    return re.sub(r"[.\-\s]", "", value)


def normalize_cep(value: str) -> str:
    """A CEP is 8 digits (``01310-100``); stored as ``01310-100``."""
    cep = re.sub(r"[.\-\s]", "", value)
    if not re.fullmatch(r"[0-9]{8}", cep) or cep == "00000000":
        raise InvalidInput("invalid CEP: expected 8 digits like 01310-100", code="invalid_cep")
    return f"{cep[:5]}-{cep[5:]}"


def registration_state(ie: str | None, uf: str | None) -> str | None:
    """The state to keep with a checked IE: the one given, else the only state whose rule it satisfies
    (None for ``ISENTO``, no IE, or a number valid in several states)."""
    from .state_registration import UFS, states_valid_for

    if uf and uf.upper() not in UFS:
        raise InvalidInput(f"unknown state {uf!r}", code="invalid_state")
    if not ie:
        return None
    if uf or ie == "ISENTO":
        return uf.upper() if uf else None
    states = states_valid_for(ie)
    return states[0] if len(states) == 1 else None


def normalize_state_registration(value: str | None, uf: str | None = None) -> str | None:
    """Inscrição estadual: digits only (up to 14; São Paulo's rural producers ``P`` + 12), or ``ISENTO``
    for exempt companies. Its check digits must be right for ``uf`` (the state that issued it) or, when
    no state is given, for at least one state; else ``422 invalid_ie``."""
    from .state_registration import UFS, is_valid_ie, states_valid_for

    if value is None or not value.strip():
        return None
    v = value.strip().upper()
    if v == "ISENTO":
        return v
    digits = re.sub(r"[.\-/\s]", "", v)
    if not re.fullmatch(r"P?[0-9]{2,14}", digits):
        raise InvalidInput("invalid state registration (IE): digits only, or ISENTO", code="invalid_ie")
    if uf is not None and uf.upper() not in UFS:
        raise InvalidInput(f"unknown state {uf!r}", code="invalid_state")
    if not (is_valid_ie(digits, uf) if uf else states_valid_for(digits)):
        where = f"for {uf.upper()}" if uf else "for any state"
        raise InvalidInput(f"invalid state registration (IE): wrong check digits {where}", code="invalid_ie")
    return digits
