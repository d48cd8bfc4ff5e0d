"""Fiscal API shapes. Validation with domain codes happens in :mod:`.service` (problem+json)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class TaxSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: The state the shop sells from (its establishment's UF); none: every sale at the destination's rate.
    origin_state: str | None = None
    regime: str = "regular"
    simples_icms_rate: Decimal = Field(default=Decimal("0"), ge=0, le=30)
    tax_inclusive: bool = Field(default=True, strict=True)
    #: Regular regime's PIS/COFINS: ``cumulative`` (0.65 % / 3 %) or ``non_cumulative`` (1.65 % / 7.6 %).
    pis_cofins: str = Field(default="cumulative", max_length=20)
    #: Internal ICMS rate (percent) per state: overrides of the default table.
    internal_rates: dict[str, Decimal] = Field(default_factory=dict)
    #: The CNPJ that issues the NF-e (the shop's establishment, registered at the NF-e provider).
    issuer_cnpj: str | None = Field(default=None, max_length=20)


class TaxSettingsOut(BaseModel):
    version: int
    origin_state: str | None
    regime: str
    simples_icms_rate: str
    tax_inclusive: bool
    pis_cofins: str = "cumulative"
    internal_rates: dict[str, str]
    defaults: dict[str, str]
    issuer_cnpj: str | None = None


class ProductFiscalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ncm: str = Field(max_length=20)
    cfop: str | None = Field(default=None, max_length=10)
    origin: int = Field(default=0, strict=True)
    cest: str | None = Field(default=None, max_length=12)


class ProductFiscalOut(BaseModel):
    sku: str
    ncm: str
    cfop: str | None
    origin: int
    cest: str | None


class ProductFiscalList(BaseModel):
    items: list[ProductFiscalOut]
    next_cursor: str | None = None


class TaxPreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base: Decimal = Field(gt=0, le=Decimal("100000000"))
    destination_state: str
    taxpayer: bool = Field(default=False, strict=True)
    imported_share: Decimal = Field(default=Decimal("0"), ge=0, le=1)


class TaxBreakdownOut(BaseModel):
    """Which rule applied (`kind`: destination, intrastate, interstate_taxpayer, interstate_consumer,
    simples) and its rates (percent) and amounts, as decimal strings."""

    kind: str
    origin_state: str | None
    destination_state: str | None
    icms_rate: str
    icms_amount: str
    difal_rate: str
    difal_amount: str
    rate: str
    amount: str
    inclusive: bool


class PisCofinsOut(BaseModel):
    """PIS/COFINS (`kind`: simples — inside the DAS, CST 49 —, cumulative or non_cumulative — CST 01 —, none):
    the base (the sale less its ICMS), rates (percent) and amounts, as decimal strings."""

    kind: str
    cst: str
    base: str
    pis_rate: str
    pis_amount: str
    cofins_rate: str
    cofins_amount: str


class TaxPreviewOut(TaxBreakdownOut):
    """The ICMS/DIFAL of the sale and its PIS/COFINS (part of the price: they never change the total)."""

    pis_cofins: PisCofinsOut
