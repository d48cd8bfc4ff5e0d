"""The NF-e XML check: the access key's module-11 digit (numeric and alphanumeric CNPJ), a well-formed
nfeProc for the key, and hostile or foreign XML refused."""

from __future__ import annotations

import pytest

from ecovarejo.fiscal.nfe_payload import allocate
from ecovarejo.fiscal.nfe_xml import InvalidNfeXml, check_nfe_xml, key_check_digit, valid_key

#: A published NFC-e key (PR, 2015-08): its last digit is 5.
KEY = "41150876497338001649650010000005351770691965"


def _proc(key: str, prot_key: str | None = None) -> bytes:
    return (
        '<nfeProc xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00"><NFe>'
        f'<infNFe Id="NFe{key}" versao="4.00"/></NFe><protNFe><infProt><chNFe>{prot_key or key}</chNFe>'
        "</infProt></protNFe></nfeProc>"
    ).encode()


def test_key_check_digit() -> None:
    assert key_check_digit(KEY[:43]) == 5 and valid_key(KEY)
    assert not valid_key(KEY[:43] + "6") and not valid_key(KEY[:40])
    alnum = "3526" + "04" + "12ABC34501DE35" + "55001000000001" + "112345678"
    assert valid_key(alnum + str(key_check_digit(alnum)))


def test_well_formed_nfe_for_its_key() -> None:
    check_nfe_xml(_proc(KEY), KEY)
    with pytest.raises(InvalidNfeXml, match="well-formed"):
        check_nfe_xml(_proc(KEY)[:-10], KEY)
    with pytest.raises(InvalidNfeXml, match="Id"):
        other = KEY[:43] + "0"
        check_nfe_xml(_proc(other), KEY)
    with pytest.raises(InvalidNfeXml, match="protocol"):
        check_nfe_xml(_proc(KEY, prot_key="1" * 44), KEY)
    with pytest.raises(InvalidNfeXml, match="root"):
        check_nfe_xml(b"<html><body/></html>", KEY)


def test_entities_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b'<nfeProc xmlns="http://www.portalfiscal.inf.br/nfe">&lol2;</nfeProc>'
    )
    with pytest.raises(InvalidNfeXml):
        check_nfe_xml(bomb, KEY)


def test_allocate_is_exact_in_centavos() -> None:
    from decimal import Decimal

    shares = allocate(Decimal("10.00"), [Decimal("1"), Decimal("1"), Decimal("1")])
    assert shares == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")] and sum(shares) == Decimal("10.00")
    assert allocate(Decimal("0"), [Decimal("5")]) == [Decimal("0.00")]
