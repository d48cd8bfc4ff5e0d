"""The official NF-e 4.00 XSD check (``fiscal/nfe_xsd.py``): ``nfelib`` (a dependency) ships the schemas and
brings ``lxml``; the check names what a document lacks. Without them it would answer ``None`` (not
validated), never a false "valid"."""

from __future__ import annotations

from ecovarejo.fiscal import nfe_xsd

REDUCED = (
    b'<nfeProc xmlns="http://www.portalfiscal.inf.br/nfe" versao="4.00"><NFe><infNFe Id="NFe1" versao="4.00"/>'
    b"</NFe></nfeProc>"
)


def test_schema_errors_or_not_validated() -> None:
    assert nfe_xsd.available()  # a dependency of the platform: every authorized note is validated
    errors = nfe_xsd.schema_errors(REDUCED)
    assert errors and any("Id" in e for e in errors) and any("protNFe" in e for e in errors)
    assert nfe_xsd.schema_errors(b"<nfeProc") == [
        e for e in nfe_xsd.schema_errors(b"<nfeProc") or [] if "well-formed" in e
    ]
    assert nfe_xsd.schema_errors(b"<other/>") == ["root element other is neither nfeProc nor NFe"]
