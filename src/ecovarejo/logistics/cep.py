"""CEP arithmetic that needs no network: validation, the state (UF) of a CEP from the Correios ranges,
and approximate coordinates of a CEP's sub-region for distances (both tables ship in ``cep_data.json``)."""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ecovarejo.core.errors import InvalidInput

_DIGITS = re.compile(r"^\d{5}-?\d{3}$")
#: Road distance is longer than the great circle; 1.25 is a common average circuity factor for Brazil's roads.
ROAD_CIRCUITY = 1.25


class InvalidCep(InvalidInput):
    code = "invalid_cep"
    title = "Invalid CEP"


@dataclass(frozen=True)
class _Tables:
    starts: tuple[int, ...]
    ranges: tuple[tuple[int, int, str], ...]
    coords: dict[str, tuple[str, float, float]]


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    raw = json.loads((Path(__file__).with_name("cep_data.json")).read_text(encoding="utf-8"))
    ranges = tuple(sorted((int(a), int(b), uf) for a, b, uf in raw["uf_ranges"]))
    coords = {k: (v[0], float(v[1]), float(v[2])) for k, v in raw["prefix_coordinates"].items()}
    return _Tables(starts=tuple(r[0] for r in ranges), ranges=ranges, coords=coords)


def normalize(cep: str) -> str:
    """Eight digits (``01310100``) from ``01310-100``/``01310100``; anything else is a 422 ``invalid_cep``."""
    value = (cep or "").strip()
    if not _DIGITS.match(value):
        raise InvalidCep("a CEP has 8 digits, like 01310-100", extra={"cep": value[:20]})
    digits = value.replace("-", "")
    if uf_of(digits) is None:
        raise InvalidCep("this CEP does not exist in Brazil", extra={"cep": value[:20]})
    return digits


def formatted(cep: str) -> str:
    return f"{cep[:5]}-{cep[5:]}"


def uf_of(digits: str) -> str | None:
    """The state of an 8-digit CEP from the Correios ranges, or ``None`` when no range holds it."""
    t = _tables()
    n = int(digits)
    i = bisect_right(t.starts, n) - 1
    if i < 0:
        return None
    start, end, uf = t.ranges[i]
    return uf if start <= n <= end else None


def uf_ranges() -> tuple[tuple[int, int, str], ...]:
    """The Correios CEP ranges per state, ``(first, last, UF)``, in CEP order."""
    return _tables().ranges


def place_of(digits: str) -> tuple[str, float, float]:
    """(main city, latitude, longitude) of the CEP's sub-region: three-digit prefix first, then two."""
    t = _tables()
    return t.coords.get(digits[:3]) or t.coords[digits[:2]]


def distance_km(origin: str, destination: str) -> float:
    """Approximate road distance between two CEPs (great circle × circuity), at least 10 km."""
    _, lat1, lon1 = place_of(origin)
    _, lat2, lon2 = place_of(destination)
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    great_circle = 2 * 6371.0 * math.asin(math.sqrt(a))
    return max(10.0, great_circle * ROAD_CIRCUITY)
