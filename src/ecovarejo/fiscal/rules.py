"""ICMS on a sale, from the tenant's tax settings: pure functions, exact ``Decimal``.

- **No origin state configured** (the default): the destination state's internal rate, as the platform
  always priced (the process-wide table in :data:`INTERNAL_RATES`).
- **Same state** (origin = destination): the origin's internal rate.
- **Another state, to a taxpayer** (a company with a state registration, *contribuinte*): the
  interstate rate only — 7 % from the South/Southeast (except ES) to the North, Northeast, Centre-West
  and ES; 12 % otherwise; 4 % on imported goods (Senate Resolution 13/2012, origins 1, 2, 3 and 8).
- **Another state, to a consumer** (a person, or a company without a state registration): the
  interstate rate to the origin state plus the **DIFAL** (EC 87/2015, LC 190/2022) — the destination's
  internal rate minus the interstate rate — to the destination state, on a single base.
- **Simples Nacional**: ICMS is paid inside the DAS at the tenant's effective rate; no ICMS is shown
  apart and no DIFAL on sales to consumers in other states (STF, ADI 5464).

Prices are tax-inclusive by default (Brazilian price tags): ICMS is computed *por dentro*, i.e.
``base × rate``, the tax being part of the price. Tax-exclusive settings add it on top.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ecovarejo.core.money import quantize

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
REGIMES = ("regular", "simples")
#: PIS/COFINS under the regular regime: cumulative (Lucro Presumido, Lei 9.718/1998: 0.65 % / 3 %) or
#: non-cumulative (Lucro Real, Leis 10.637/2002 and 10.833/2003: 1.65 % / 7.6 %).
PIS_COFINS_REGIMES: dict[str, tuple[Decimal, Decimal]] = {
    "cumulative": (Decimal("0.65"), Decimal("3")),
    "non_cumulative": (Decimal("1.65"), Decimal("7.6")),
}
#: Internal ICMS rates by state (percent): the default table.
INTERNAL_RATES: dict[str, str] = {
    "AC": "19", "AL": "19", "AM": "20", "AP": "18", "BA": "20.5", "CE": "20", "DF": "20", "ES": "17",
    "GO": "19", "MA": "22", "MG": "18", "MS": "17", "MT": "17", "PA": "19", "PB": "20", "PE": "20.5",
    "PI": "21", "PR": "19.5", "RJ": "22", "RN": "18", "RO": "19.5", "RR": "20", "RS": "17", "SC": "17",
    "SE": "19", "SP": "18", "TO": "20",
}  # fmt: skip
STATES = tuple(sorted(INTERNAL_RATES))
#: South and Southeast without Espírito Santo: their sales to the other states pay 7 % (Senate Res. 22/1989).
SOUTH_SOUTHEAST = frozenset({"SP", "RJ", "MG", "PR", "SC", "RS"})
#: Product origins (tabela A of the CST) whose interstate rate is 4 % (imported content).
IMPORTED_ORIGINS = frozenset({1, 2, 3, 8})


def interstate_rate(origin: str, destination: str, *, imported: bool = False) -> Decimal:
    if imported:
        return Decimal(4)
    if origin in SOUTH_SOUTHEAST and destination not in SOUTH_SOUTHEAST:
        return Decimal(7)
    return Decimal(12)


def default_rates() -> dict[str, Decimal]:
    return {uf: Decimal(v) for uf, v in INTERNAL_RATES.items()}


@dataclass(frozen=True)
class TaxRules:
    """A tenant's tax settings as the pricing engine reads them."""

    origin_state: str | None = None
    regime: str = "regular"
    internal_rates: Mapping[str, Decimal] = field(default_factory=default_rates)
    #: Simples Nacional: the ICMS share of the DAS (percent of the price), shown for information.
    simples_icms_rate: Decimal = ZERO
    tax_inclusive: bool = True
    #: The regular regime's PIS/COFINS: ``cumulative`` or ``non_cumulative`` (ignored under Simples Nacional).
    pis_cofins: str = "cumulative"
    version: int = 0


@dataclass(frozen=True)
class TaxBreakdown:
    """The sale's ICMS: ``kind`` says which rule applied (``destination``, ``intrastate``,
    ``interstate_taxpayer``, ``interstate_consumer``, ``simples``)."""

    kind: str
    origin_state: str | None
    destination_state: str | None
    icms_rate: Decimal
    icms_amount: Decimal
    difal_rate: Decimal
    difal_amount: Decimal
    inclusive: bool

    @property
    def rate(self) -> Decimal:
        return self.icms_rate + self.difal_rate

    @property
    def amount(self) -> Decimal:
        return self.icms_amount + self.difal_amount

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "origin_state": self.origin_state,
            "destination_state": self.destination_state,
            "icms_rate": str(self.icms_rate),
            "icms_amount": str(self.icms_amount),
            "difal_rate": str(self.difal_rate),
            "difal_amount": str(self.difal_amount),
            "rate": str(self.rate),
            "amount": str(self.amount),
            "inclusive": self.inclusive,
        }


def _amount(base: Decimal, rate: Decimal) -> Decimal:
    return quantize(base * rate / HUNDRED) if rate else ZERO


def icms(
    rules: TaxRules,
    *,
    base: Decimal,
    destination: str | None,
    taxpayer: bool,
    imported_share: Decimal = Decimal(0),
) -> TaxBreakdown:
    """The ICMS (and DIFAL) on ``base`` (goods after discounts plus shipping) for a sale to ``destination``.

    ``taxpayer``: the buyer is a company with a state registration. ``imported_share`` (0 to 1): the
    part of the base from goods of imported origin (4 % interstate); the interstate rate is blended.
    """
    origin = rules.origin_state
    inclusive = rules.tax_inclusive

    def result(kind: str, icms_rate: Decimal, difal_rate: Decimal = Decimal(0)) -> TaxBreakdown:
        return TaxBreakdown(
            kind=kind,
            origin_state=origin,
            destination_state=destination,
            icms_rate=icms_rate,
            icms_amount=_amount(base, icms_rate),
            difal_rate=difal_rate,
            difal_amount=_amount(base, difal_rate),
            inclusive=inclusive,
        )

    if destination is None or base <= 0:
        return result("none", Decimal(0))
    if rules.regime == "simples":
        return result("simples", rules.simples_icms_rate)
    internal_dest = rules.internal_rates.get(destination, Decimal(0))
    if origin is None:
        return result("destination", internal_dest)
    if origin == destination:
        return result("intrastate", rules.internal_rates.get(origin, Decimal(0)))
    share = min(max(imported_share, Decimal(0)), Decimal(1))
    inter = interstate_rate(origin, destination)
    if share:
        inter = (inter * (1 - share) + Decimal(4) * share).quantize(Decimal("0.01"))
    if taxpayer:
        return result("interstate_taxpayer", inter)
    return result("interstate_consumer", inter, max(internal_dest - inter, Decimal(0)))


@dataclass(frozen=True)
class PisCofins:
    """PIS and COFINS of a sale. ``kind``: ``simples`` (paid inside the DAS: CST 49, no value on the note),
    ``cumulative`` or ``non_cumulative`` (CST 01, rates in percent on ``base``), ``none`` (nothing sold)."""

    kind: str
    cst: str
    base: Decimal
    pis_rate: Decimal
    pis_amount: Decimal
    cofins_rate: Decimal
    cofins_amount: Decimal

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "cst": self.cst,
            "base": str(self.base),
            "pis_rate": str(self.pis_rate),
            "pis_amount": str(self.pis_amount),
            "cofins_rate": str(self.cofins_rate),
            "cofins_amount": str(self.cofins_amount),
        }


def pis_cofins(rules: TaxRules, *, base: Decimal, icms_amount: Decimal = ZERO) -> PisCofins:
    """PIS/COFINS on a sale of ``base`` (the item's value: goods after discounts, shipping, other charges).

    Simples Nacional: both are inside the DAS, so the note carries CST 49 with no base nor value. The
    regular regime: CST 01 (taxable at the basic rate), on ``base`` less the ICMS of the sale (STF, RE
    574.706, Tema 69: the ICMS is not revenue), at the cumulative or non-cumulative rates. DIFAL is not
    deducted. Part of the price: it never changes the order's total.
    """
    if base <= 0:
        return PisCofins("none", "49", ZERO, Decimal(0), ZERO, Decimal(0), ZERO)
    if rules.regime == "simples":
        return PisCofins("simples", "49", ZERO, Decimal(0), ZERO, Decimal(0), ZERO)
    kind = rules.pis_cofins if rules.pis_cofins in PIS_COFINS_REGIMES else "cumulative"
    pis_rate, cofins_rate = PIS_COFINS_REGIMES[kind]
    net = quantize(max(base - icms_amount, ZERO))
    return PisCofins(kind, "01", net, pis_rate, _amount(net, pis_rate), cofins_rate, _amount(net, cofins_rate))
