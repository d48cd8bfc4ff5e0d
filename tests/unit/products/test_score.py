"""The sustainability score formula and the search helpers, without IO."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ecovarejo.products import score, search
from ecovarejo.products.models import Scaled

TODAY = date(2026, 11, 29)


def _inp(**kw):
    base = dict(
        certifications=(),
        footprint_kg=None,
        category_average_kg=None,
        recyclable=False,
        biodegradable=False,
        material=None,
    )
    base.update(kw)
    return score.ScoreInput(**base)


def test_components_add_up_and_cap() -> None:
    certs = tuple(score.CertInput(c, Decimal("2.0"), None, "valid") for c in ("GOTS", "FSC", "C2C"))
    inp = _inp(
        certifications=certs,
        footprint_kg=Decimal("1"),
        category_average_kg=Decimal("4"),
        recyclable=True,
        biodegradable=True,
        material="Algodão Orgânico",
    )
    parts = score.components(inp, TODAY)
    assert [p.points for p in parts] == [Decimal("4.00"), Decimal("3.00"), 1, 1, 1]
    assert score.compute(inp, TODAY) == Decimal("10.0")


def test_carbon_is_linear_against_the_category_average() -> None:
    avg = Decimal("2")
    pts = {
        kg: score.components(_inp(footprint_kg=Decimal(kg), category_average_kg=avg), TODAY)[1].points
        for kg in ("1", "2", "2.5", "3", "5")
    }
    assert pts == {
        "1": Decimal("3.00"),
        "2": Decimal("1.50"),
        "2.5": Decimal("0.75"),
        "3": Decimal("0.00"),
        "5": Decimal("0.00"),
    }
    assert score.components(_inp(footprint_kg=Decimal("1")), TODAY)[1].points == Decimal("1.50")  # no average
    assert score.components(_inp(), TODAY)[1].points == 0  # unknown footprint


def test_expired_certifications_do_not_count() -> None:
    certs = (
        score.CertInput("GOTS", Decimal("2.0"), date(2026, 11, 28), "valid"),
        score.CertInput("FSC", Decimal("2.0"), date(2026, 11, 29), "valid"),
        score.CertInput("B-CORP", Decimal("1.5"), None, "expired"),
    )
    part = score.components(_inp(certifications=certs), TODAY)[0]
    assert part.points == Decimal("2.00")
    assert "FSC (+2.0)" in part.detail and "not counted (expired): GOTS, B-CORP" in part.detail


def test_rounding_is_half_up_to_one_place() -> None:
    certs = (score.CertInput("X", Decimal("1.25"), None, "valid"),)
    assert score.compute(_inp(certifications=certs), TODAY) == Decimal("1.3")


def test_fold_and_documents() -> None:
    assert score.fold("Camiseta Orgânica AÇÚCAR") == "camiseta organica acucar"
    assert search.document("Calça", ["Vestuário"], None, "ECO-1") == "calca vestuario eco 1"
    assert search.terms("  Camiseta,   ORGÂNICA!! ") == ["camiseta", "organica"]


def test_one_edit_typos() -> None:
    assert search.within_one_edit("camizeta", "camiseta")
    assert search.within_one_edit("camseta", "camiseta")
    assert search.within_one_edit("camisetta", "camiseta")
    assert not search.within_one_edit("camzeta", "camiseta")
    assert search.typo_candidates("garafa", ["garrafa", "garfo", "girafa", "gar"]) == ["garrafa", "girafa"]
    assert search.typo_candidates("camizet", ["camiseta"]) == ["camiseta"]  # a typo while typing


def test_scaled_decimal_round_trip() -> None:
    t = Scaled(3)
    assert t.process_bind_param(Decimal("2.5"), None) == 2500
    assert t.process_result_value(2500, None) == Decimal("2.500")
    assert t.process_bind_param(None, None) is None
