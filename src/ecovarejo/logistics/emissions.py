"""Transport emissions of a parcel: distance × weight × the mode's emission intensity (kg CO2e per
tonne-km, well-to-wheel), after the GLEC Framework; the factors and their sources are in docs/logistics.md."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: kg CO2e per tonne-km by mode.
FACTORS: dict[str, Decimal] = {
    # parcel road freight: less-than-truckload / mixed rigid trucks and vans (GLEC default, LTL)
    "road": Decimal("0.180"),
    # consolidated full-truckload road freight (GLEC default, TL dry van, plus upstream fuel)
    "road_consolidated": Decimal("0.090"),
    # air freight, short-haul belly/freighter mix (GLEC default, < 1500 km class)
    "air": Decimal("1.130"),
}
#: Express services fly beyond this distance; shorter routes go by road.
AIR_ABOVE_KM = 800


def mode_for(service_kind: str, distance_km: float) -> str:
    if service_kind == "green":
        return "road_consolidated"
    if service_kind == "express" and distance_km > AIR_ABOVE_KM:
        return "air"
    return "road"


def kg_co2e(distance_km: float, weight_g: int, mode: str) -> Decimal:
    tonne_km = Decimal(str(round(distance_km, 1))) * Decimal(weight_g) / Decimal(1_000_000)
    return (tonne_km * FACTORS[mode]).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
