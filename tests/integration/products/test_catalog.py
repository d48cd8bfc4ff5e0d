"""The catalog through its service: documents, variants, sellables, categories, events."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from ecovarejo.core.errors import Conflict, InvalidInput
from ecovarejo.core.models import OutboxEvent
from ecovarejo.products import categories, queries, service
from ecovarejo.products.schemas import ProductCreate, ProductPatch

from .helpers import category, default_tenant, product

pytestmark = pytest.mark.asyncio


async def test_product_document_with_variants_and_certifications(container) -> None:
    t = await default_tenant(container)
    roupas = await category(container, t, "Vestuário")
    camisetas = await category(container, t, "Camisetas", roupas)
    out = await product(
        container,
        t,
        sku="ECO-TSHIRT-001",
        name="Camiseta Orgânica Básica",
        description="Camiseta feita com algodão 100% orgânico",
        price="89.90",
        category_id=camisetas,
        carbon_footprint_kg="2.5",
        recyclable=True,
        biodegradable=True,
        certifications=[{"name": "GOTS", "level": "organic", "expiry": "2030-12-31"}],
        attributes={
            "material": "Algodão Orgânico",
            "color": ["Branco", "Preto"],
            "size": ["P", "M"],
            "care_instructions": "Lavar a 30°C",
        },
        variants=[
            {"sku": "ECO-TSHIRT-001-BR-P", "color": "Branco", "size": "P"},
            {"sku": "ECO-TSHIRT-001-PR-M", "color": "Preto", "size": "M", "price_override": "94.90"},
        ],
    )
    assert out.slug == "camiseta-organica-basica"
    assert out.price.amount == Decimal("89.90") and out.price.currency == "BRL"
    assert out.category is not None and out.category.id == camisetas
    assert out.subcategory == "camisetas" and [c.slug for c in out.category_path] == ["vestuario", "camisetas"]
    assert out.sustainability.certifications[0].issuer == "Global Standard gGmbH"
    assert out.sustainability.carbon_footprint == Decimal("2.500")
    assert out.seo.meta_title == "Camiseta Orgânica Básica - EcoVarejo"
    assert out.status == "active"
    assert [v.price.amount for v in out.variants] == [Decimal("89.90"), Decimal("94.90")]
    # Only product in its category: neutral carbon (1.5) + GOTS 2.0 + recyclable + biodegradable + material
    assert out.sustainability.sustainability_score == Decimal("6.5")

    async with container.uow(t) as uow:
        sellables = await queries.get_sellables(uow, ["ECO-TSHIRT-001", "ECO-TSHIRT-001-PR-M", "NOPE"])
        one = await queries.get_sellable(uow, "ECO-TSHIRT-001-BR-P")
        avg = await queries.category_average_footprint(uow, camisetas)
    assert set(sellables) == {"ECO-TSHIRT-001", "ECO-TSHIRT-001-PR-M"}
    v = sellables["ECO-TSHIRT-001-PR-M"]
    assert v.unit_price == Decimal("94.90") and v.variant_id is not None and v.product_id == out.id
    assert v.certified and v.is_active and v.category_path == [camisetas, roupas]
    assert sellables["ECO-TSHIRT-001"].variant_id is None
    assert sellables["ECO-TSHIRT-001"].unit_price == Decimal("89.90")
    assert one is not None and one.unit_price == Decimal("89.90")
    assert avg == Decimal("2.500")

    async with container.db.system_session() as s:
        types = [
            (e.type, e.envelope["data"])
            for e in (await s.scalars(select(OutboxEvent))).all()
            if e.topic == "product-events"
        ]
    assert (
        "product.created",
        {"product_id": str(out.id), "sku": "ECO-TSHIRT-001", "slug": "camiseta-organica-basica"},
    ) in types


async def test_duplicate_skus_and_slugs_are_refused(container) -> None:
    t = await default_tenant(container)
    await product(container, t, sku="A-1", name="Caneca", variants=[{"sku": "A-1-V"}])
    for bad in ("A-1", "A-1-V"):
        with pytest.raises(Conflict):
            await product(container, t, sku=bad, name="Outra")
    with pytest.raises(Conflict):
        await product(container, t, sku="B-1", name="Outra", variants=[{"sku": "A-1-V"}])
    with pytest.raises(InvalidInput):
        await product(container, t, sku="B-1", name="Outra", variants=[{"sku": "B-1"}])
    # Same name: a distinct slug is generated; an explicit taken slug is refused.
    b = await product(container, t, sku="B-2", name="Caneca")
    assert b.slug != "caneca"
    with pytest.raises(Conflict):
        await product(container, t, sku="B-3", name="X", slug="caneca")
    async with container.uow(t) as uow:
        assert await queries.get_sellable(uow, "B-1") is None  # nothing half-written


async def test_update_patch_and_delete_emit_events(container) -> None:
    t = await default_tenant(container)
    p = await product(
        container, t, sku="P-1", name="Sabonete", price="9.90", variants=[{"sku": "P-1-A", "size": "100 g"}]
    )
    async with container.uow(t) as uow:
        out = await service.update_product(uow, p.id, ProductPatch(price=Decimal("12.50"), recyclable=True))
        await uow.commit()
    assert out.price.amount == Decimal("12.50") and out.recyclable if hasattr(out, "recyclable") else True
    assert [v.sku for v in out.variants] == ["P-1-A"]  # PATCH without variants keeps them
    async with container.uow(t) as uow:
        put = await service.update_product(
            uow, p.id, ProductCreate(sku="P-1", name="Sabonete Vegano", price=Decimal("13.00"))
        )
        await uow.commit()
    assert put.variants == [] and put.slug == "sabonete-vegano"
    async with container.uow(t) as uow:
        await service.delete_product(uow, p.id)
        await uow.commit()
    async with container.uow(t) as uow:
        assert await queries.get_sellable(uow, "P-1") is None
    async with container.db.system_session() as s:
        types = [
            e.type
            for e in (await s.scalars(select(OutboxEvent).order_by(OutboxEvent.created_at))).all()
            if e.topic == "product-events"
        ]
    assert types == ["product.created", "product.updated", "product.updated", "product.deleted"]


async def test_category_tree_and_rules(container) -> None:
    t = await default_tenant(container)
    casa = await category(container, t, "Casa e Decoração")
    cozinha = await category(container, t, "Cozinha", casa)
    async with container.uow(t) as uow:
        tree = await categories.list_categories(uow)
    assert [c["slug"] for c in tree] == ["casa-e-decoracao"]
    assert [c["slug"] for c in tree[0]["children"]] == ["cozinha"]
    await product(container, t, sku="K-1", name="Pote", category_id=cozinha)
    from ecovarejo.products.schemas import CategoryPatch

    async with container.uow(t) as uow:
        with pytest.raises(Conflict):
            await categories.delete_category(uow, casa)
        with pytest.raises(InvalidInput):
            await categories.update_category(uow, casa, CategoryPatch(parent_id=cozinha))
    with pytest.raises(InvalidInput):
        await product(container, t, sku="K-2", name="Pote", category_id=uuid.uuid4())


async def test_unknown_certification_needs_an_issuer(container) -> None:
    t = await default_tenant(container)
    with pytest.raises(InvalidInput):
        await product(container, t, sku="C-1", name="Vela", certifications=[{"name": "Selo Inventado"}])
    p = await product(
        container,
        t,
        sku="C-1",
        name="Vela",
        certifications=[
            {"name": "Selo Verde", "issuer": "Instituto X", "expiry": (date.today() + timedelta(days=90)).isoformat()}
        ],
    )
    assert p.sustainability.certifications[0].code == "SELO-VERDE"
