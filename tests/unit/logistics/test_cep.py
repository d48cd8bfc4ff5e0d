from __future__ import annotations

import pytest

from ecovarejo.logistics import cep


@pytest.mark.parametrize(
    ("value", "uf"),
    [
        ("01310-100", "SP"),
        ("20040-020", "RJ"),
        ("29050-000", "ES"),
        ("30130-010", "MG"),
        ("68900-000", "AP"),
        ("69301-000", "RR"),
        ("69900-000", "AC"),
        ("70040-010", "DF"),
        ("72800-000", "GO"),
        ("76801-000", "RO"),
        ("88010-000", "SC"),
        ("99999-999", "RS"),
    ],
)
def test_state_from_the_ranges(value, uf):
    assert cep.uf_of(cep.normalize(value)) == uf


@pytest.mark.parametrize("bad", ["", "0131010", "01310-1000", "ABCDE-123", "00999-999", " 01310 100"])
def test_invalid(bad):
    with pytest.raises(cep.InvalidCep):
        cep.normalize(bad)


def test_distances_are_plausible():
    sp, rio, manaus = "01310100", "20040020", "69005040"
    assert cep.distance_km(sp, sp) == 10.0
    assert 400 < cep.distance_km(sp, rio) < 550  # 360 km great circle x circuity
    assert 3000 < cep.distance_km(sp, manaus) < 4500
    assert cep.place_of("68906000")[0] == "Macapá"
