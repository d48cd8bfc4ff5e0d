"""The sustainability score: a pure, explainable formula (``docs/sustainability-score.md``).

    score = certifications (max 4) + carbon (max 3) + recyclable (1) + biodegradable (1) + materials (1)

- certifications: the sum of the registry weights of the product's *valid* certifications
  (not expired, not marked expired), capped at 4;
- carbon: ``3 × clamp(1.5 − footprint / category average, 0, 1)``: 3 points at half the category
  average or less, 0 at 1.5× or more, linear between; 1.5 (neutral) when there is no average to
  compare with; 0 when the footprint is unknown;
- recyclable, biodegradable: 1 point each;
- materials: 1 point when the material is one of the sustainable materials below.

The result is rounded half-up to one decimal, 0.0–10.0.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CERT_MAX = Decimal("4")
CARBON_MAX = Decimal("3")
ONE = Decimal("1")
MAX_SCORE = Decimal("10")
FORMULA = (
    "score = certifications (sum of valid certification weights, max 4) "
    "+ carbon (3 × clamp(1.5 − footprint ÷ category average, 0, 1); 1.5 without an average; 0 if unknown) "
    "+ recyclable (1) + biodegradable (1) + sustainable material (1); 0–10, one decimal, half-up"
)

#: Accent-free, lower-case stems of materials counted as sustainable.
SUSTAINABLE_MATERIALS = (
    "organic",
    "organico",
    "organica",
    "reciclad",
    "recycled",
    "bambu",
    "bamboo",
    "canhamo",
    "hemp",
    "linho",
    "cortica",
    "fibra de coco",
    "juta",
    "sisal",
    "lyocell",
    "tencel",
    "madeira certificada",
    "madeira de reflorestamento",
    "reaproveitad",
    "compostavel",
    "cera de abelha",
    "vegetal",
    "palha",
    "bagaco de cana",
    "fibra de bananeira",
    "latex natural",
    "la natural",
)


def fold(text: str) -> str:
    """Lower-case, accents removed (``Algodão Orgânico`` -> ``algodao organico``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@dataclass(frozen=True)
class CertInput:
    code: str
    weight: Decimal
    expiry: date | None
    status: str

    def valid_on(self, today: date) -> bool:
        return self.status != "expired" and (self.expiry is None or self.expiry >= today)


@dataclass(frozen=True)
class ScoreInput:
    certifications: tuple[CertInput, ...]
    footprint_kg: Decimal | None
    category_average_kg: Decimal | None
    recyclable: bool
    biodegradable: bool
    material: str | None


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    points: Decimal
    max_points: Decimal
    detail: str


def _q(d: Decimal, places: str = "0.01") -> Decimal:
    return d.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def components(inp: ScoreInput, today: date) -> list[Component]:
    valid = [c for c in inp.certifications if c.valid_on(today)]
    invalid = [c for c in inp.certifications if not c.valid_on(today)]
    cert_points = min(CERT_MAX, sum((c.weight for c in valid), Decimal(0)))
    detail = (", ".join(f"{c.code} (+{c.weight})" for c in valid) if valid else "no valid certification") + (
        f"; not counted (expired): {', '.join(c.code for c in invalid)}" if invalid else ""
    )
    out = [Component("certifications", "Valid certifications", _q(cert_points), CERT_MAX, detail)]

    if inp.footprint_kg is None:
        carbon, cdetail = Decimal(0), "carbon footprint unknown"
    elif not inp.category_average_kg:
        carbon, cdetail = Decimal("1.5"), f"{inp.footprint_kg} kg CO2e; no category average to compare (neutral)"
    else:
        ratio = inp.footprint_kg / inp.category_average_kg
        carbon = CARBON_MAX * max(Decimal(0), min(ONE, Decimal("1.5") - ratio))
        cdetail = (
            f"{inp.footprint_kg} kg CO2e vs category average {_q(inp.category_average_kg, '0.001')} kg "
            f"(ratio {_q(ratio)})"
        )
    out.append(Component("carbon", "Carbon footprint vs category", _q(carbon), CARBON_MAX, cdetail))
    out.append(
        Component(
            "recyclable", "Recyclable", ONE if inp.recyclable else Decimal(0), ONE, "yes" if inp.recyclable else "no"
        )
    )
    out.append(
        Component(
            "biodegradable",
            "Biodegradable",
            ONE if inp.biodegradable else Decimal(0),
            ONE,
            "yes" if inp.biodegradable else "no",
        )
    )
    material = inp.material or ""
    folded = fold(material)
    hit = next((m for m in SUSTAINABLE_MATERIALS if m in folded), None)
    out.append(
        Component(
            "materials",
            "Sustainable material",
            ONE if hit else Decimal(0),
            ONE,
            f"{material or 'not stated'}" + (" (sustainable)" if hit else ""),
        )
    )
    return out


def total(parts: list[Component]) -> Decimal:
    s = sum((p.points for p in parts), Decimal(0))
    return min(MAX_SCORE, s).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def compute(inp: ScoreInput, today: date) -> Decimal:
    return total(components(inp, today))
