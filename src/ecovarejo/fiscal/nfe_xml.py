"""Checks on the NF-e XML the provider hands back, before it is kept with the order.

Parsed with ``defusedxml`` (no entity expansion, no external entities: the XML comes from outside). The
check is structural: well-formed, an ``NFe`` (or ``nfeProc`` holding one) in the portal's namespace, an
``infNFe`` whose ``Id`` is ``NFe`` + the 44-digit access key we were given, and a key whose check digit
(module 11) is right. Validation against the official XSD (PL_009) is not done: it needs ``lxml`` and the
schema files, which the platform does not ship.
"""

from __future__ import annotations

import re

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

NS = "{http://www.portalfiscal.inf.br/nfe}"
#: 44 characters; from July 2026 an alphanumeric CNPJ puts letters in it (positions 7-20).
_KEY = re.compile(r"^[0-9]{6}[0-9A-Z]{14}[0-9]{24}$")


class InvalidNfeXml(ValueError):
    pass


def key_check_digit(first43: str) -> int:
    """The access key's last digit: module 11 over the first 43 with weights 2..9 from the right (a
    letter of an alphanumeric CNPJ counts as its ASCII code minus 48, as in the CNPJ's own digits)."""
    total, weight = 0, 2
    for ch in reversed(first43):
        total += (ord(ch) - 48) * weight
        weight = 2 if weight == 9 else weight + 1
    rest = total % 11
    return 0 if rest < 2 else 11 - rest


def valid_key(chave: str) -> bool:
    return bool(_KEY.match(chave)) and key_check_digit(chave[:43]) == int(chave[43])


def check_nfe_xml(data: bytes, chave: str) -> None:
    """Raise :class:`InvalidNfeXml` unless ``data`` is a well-formed NF-e for access key ``chave``."""
    if not valid_key(chave):
        raise InvalidNfeXml(f"access key {chave!r} is not 44 characters with a valid check digit")
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise InvalidNfeXml(f"not well-formed XML: {exc}") from exc
    if root.tag not in (f"{NS}nfeProc", f"{NS}NFe"):
        raise InvalidNfeXml(f"root element {root.tag} is neither nfeProc nor NFe")
    inf = root.find(f".//{NS}infNFe")
    if inf is None:
        raise InvalidNfeXml("no infNFe element")
    if inf.get("Id") != f"NFe{chave}":
        raise InvalidNfeXml(f"infNFe Id {inf.get('Id')!r} does not carry the access key {chave}")
    if root.tag == f"{NS}nfeProc":
        prot = root.find(f"{NS}protNFe/{NS}infProt/{NS}chNFe")
        if prot is None or (prot.text or "").strip() != chave:
            raise InvalidNfeXml("the authorization protocol does not name this access key")
