"""CPF, CNPJ (numeric and alphanumeric, July 2026) and CEP validation."""

from __future__ import annotations

import pytest

from ecovarejo.core.errors import InvalidInput
from ecovarejo.users.documents import (
    cnpj_check_digits,
    format_cnpj,
    is_valid_cnpj,
    is_valid_cpf,
    normalize_cep,
    normalize_cnpj,
    normalize_cpf,
    normalize_state_registration,
)


@pytest.mark.parametrize(
    "cnpj",
    [
        "11.222.333/0001-81",  # classic numeric
        "11222333000181",
        "12.ABC.345/01DE-35",  # Receita Federal's published alphanumeric example
        "12abc34501de35",  # lower case is normalised
        "04.252.011/0001-10",
    ],
)
def test_valid_cnpj(cnpj: str) -> None:
    assert is_valid_cnpj(cnpj)


@pytest.mark.parametrize(
    "cnpj",
    [
        "11.222.333/0001-82",  # wrong check digit
        "12.ABC.345/01DE-36",
        "12.ABC.345/01DE-3A",  # check digits are always numeric
        "00.000.000/0000-00",
        "AAAAAAAAAAAA00",
        "11.222.333/0001",
        "1122233300018100",
        "12.AB*.345/01DE-35",
        "",
    ],
)
def test_invalid_cnpj(cnpj: str) -> None:
    assert not is_valid_cnpj(cnpj)
    with pytest.raises(InvalidInput):
        normalize_cnpj(cnpj)


def test_alphanumeric_check_digits_use_ascii_minus_48() -> None:
    # 'A' counts 17, 'Z' 42: computed independently here for one base
    base = "ZZ0000000001"
    values = [ord(c) - 48 for c in base]
    s1 = sum(v * w for v, w in zip(values, (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)))
    d1 = 0 if s1 % 11 < 2 else 11 - s1 % 11
    s2 = sum(v * w for v, w in zip([*values, d1], (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)))
    d2 = 0 if s2 % 11 < 2 else 11 - s2 % 11
    assert cnpj_check_digits(base) == f"{d1}{d2}"
    assert is_valid_cnpj(base + f"{d1}{d2}")
    assert normalize_cnpj("12.abc.345/01de-35") == "12ABC34501DE35"
    assert format_cnpj("12ABC34501DE35") == "12.ABC.345/01DE-35"


@pytest.mark.parametrize("cpf", ["529.982.247-25", "52998224725", "111.444.777-35"])
def test_valid_cpf(cpf: str) -> None:
    assert is_valid_cpf(cpf)
    assert normalize_cpf(cpf).isdigit()


@pytest.mark.parametrize("cpf", ["529.982.247-26", "111.111.111-11", "000.000.000-00", "1234567890", "abc.def.ghi-jk"])
def test_invalid_cpf(cpf: str) -> None:
    assert not is_valid_cpf(cpf)
    with pytest.raises(InvalidInput):
        normalize_cpf(cpf)


def test_cep() -> None:
    assert normalize_cep("01310100") == "01310-100"
    assert normalize_cep("01310-100") == "01310-100"
    for bad in ("0131010", "013101000", "00000-000", "ABCDE-FGH"):
        with pytest.raises(InvalidInput):
            normalize_cep(bad)


def test_state_registration() -> None:
    assert normalize_state_registration("110.042.490.114") == "110042490114"
    assert normalize_state_registration("isento") == "ISENTO"
    assert normalize_state_registration(" ") is None
    with pytest.raises(InvalidInput):
        normalize_state_registration("12-AB")
