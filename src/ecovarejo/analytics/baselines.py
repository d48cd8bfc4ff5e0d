"""The conventional-product baseline that "kg CO2e avoided" is measured against, per category.

Each figure is kg CO2e per unit of the *conventional* equivalent (cradle-to-gate, typical of the
published life-cycle assessments cited in docs/analytics.md). A line's avoided carbon is
``max(0, baseline × quantity − the line's own footprint)``; a category without a baseline (nor an
ancestor with one) claims nothing avoided.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

#: category slug -> kg CO2e per conventional unit
CONVENTIONAL_KG: dict[str, Decimal] = {
    "camisetas": Decimal("5.5"),  # conventional cotton T-shirt
    "vestuario": Decimal("5.5"),
    "calcas-e-shorts": Decimal("20.0"),  # conventional denim trousers
    "calcados": Decimal("14.0"),  # synthetic running shoe
    "casa-e-decoracao": Decimal("4.0"),
    "cozinha": Decimal("2.0"),  # plastic utensils and containers
    "higiene-e-beleza": Decimal("0.5"),  # bottled liquid product, plastic brush
    "alimentos-organicos": Decimal("1.6"),  # conventionally farmed equivalent
    "infantil": Decimal("3.0"),
    "papelaria": Decimal("0.6"),
    "acessorios": Decimal("6.0"),
    "pet": Decimal("3.0"),
    "limpeza": Decimal("0.8"),
}


def baseline_kg(category_path: Iterable[str]) -> Decimal | None:
    """The baseline of the deepest category of ``category_path`` (root first) that has one."""
    found = None
    for slug in category_path:
        found = CONVENTIONAL_KG.get(slug, found)
    return found


def grams(kg: Decimal) -> int:
    return int((kg * 1000).to_integral_value())


def avoided_g(baseline_g: int, carbon_g: int) -> int:
    return max(0, baseline_g - carbon_g)
