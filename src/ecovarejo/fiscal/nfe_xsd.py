"""The NF-e XML against the official schema (layout 4.00, the portal's XSDs), where the libraries allow.

The XSD files come from the ``nfelib`` package (MIT, Akretion; it ships the portal's NF-e 4.00 schemas in
``nfelib/nfe/schemas/v4_0``) and the validation needs ``lxml``; both come with the platform's
dependencies. Should either be missing from an installation, :func:`schema_errors` answers ``None`` (not
validated) and the structural check of :mod:`.nfe_xml` is all there is. An ``nfeProc`` is validated
against ``procNFe_v4.00.xsd`` and an ``NFe`` against ``nfe_v4.00.xsd``. lxml parses with entities
unresolved, no DTD and no network; the document reached here already passed ``defusedxml`` in
:func:`.nfe_xml.check_nfe_xml`.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = ("nfe", "schemas", "v4_0")
ROOTS = {
    "{http://www.portalfiscal.inf.br/nfe}nfeProc": "procNFe_v4.00.xsd",
    "{http://www.portalfiscal.inf.br/nfe}NFe": "nfe_v4.00.xsd",
}


def available() -> bool:
    """Whether the official schemas can be used here (``lxml`` and ``nfelib`` importable)."""
    return importlib.util.find_spec("lxml") is not None and importlib.util.find_spec("nfelib") is not None


def _etree() -> Any:
    from lxml import etree  # imported when a note is first validated, not at start-up

    return etree


def _parser(etree: Any) -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@cache
def _schema(name: str) -> Any:
    import nfelib  # the package only ships the schema files read here

    etree = _etree()
    path = Path(nfelib.__file__).parent.joinpath(*SCHEMA_DIR, name)
    return etree.XMLSchema(etree.parse(str(path), _parser(etree)))


def schema_errors(data: bytes) -> list[str] | None:
    """The schema's complaints about ``data`` (empty: valid), or ``None`` when the schemas are not
    installed (not validated)."""
    if not available():
        return None
    etree = _etree()
    try:
        root = etree.fromstring(data, _parser(etree))
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    name = ROOTS.get(root.tag)
    if name is None:
        return [f"root element {root.tag} is neither nfeProc nor NFe"]
    schema = _schema(name)
    if schema.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in list(schema.error_log)[:20]]
