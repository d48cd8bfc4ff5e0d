"""Classification from pt-BR text: category and certifications learnt from the catalog beat the
majority class on held-out products; accents and plurals do not matter."""

from __future__ import annotations

import random

from ecovarejo.ml import classify

NOUNS = {
    "Higiene": ["escova de dentes", "sabonete", "shampoo sólido", "creme dental", "desodorante", "fio dental"],
    "Cozinha": ["pote de vidro", "talheres", "esponja vegetal", "pano de prato", "canudo", "marmita"],
    "Moda": ["camiseta", "calça jeans", "meias", "boné", "bolsa", "vestido"],
}
ADJ = ["de bambu", "ecológico", "reutilizável", "natural", "biodegradável", "artesanal", "reciclado", "vegano"]


def catalog(n: int = 40, seed: int = 3) -> list[classify.Labelled]:
    rng = random.Random(seed)
    out = []
    for cat, nouns in NOUNS.items():
        for _ in range(n if cat != "Moda" else n // 2):
            noun = rng.choice(nouns)
            organic = cat == "Moda" and rng.random() < 0.5
            text = f"{noun.title()} {rng.choice(ADJ)}{' de algodão orgânico' if organic else ''}. Feito no Brasil."
            out.append(classify.Labelled(text, cat, ("GOTS",) if organic else ()))
    return out


def test_category_and_certification_beat_the_majority_class() -> None:
    out = classify.train(catalog())
    assert out.model is not None
    assert out.metrics["accuracy"] > out.baseline["accuracy"]
    assert out.metrics["accuracy"] >= 0.9
    s = out.model.suggest("Camisetas de algodao organico")  # no accents, plural
    assert s.category == "Moda" and "GOTS" in s.certifications and 0 < s.confidence <= 1
    s = out.model.suggest("Escova dental de bambu")
    assert s.category == "Higiene" and s.certifications == ()
    assert "escova" in s.tags and "de" not in s.tags


def test_too_small_a_catalog_trains_nothing() -> None:
    assert classify.train(catalog(3)).model is None
