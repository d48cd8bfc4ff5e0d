"""Demo catalog (``ecovarejo seed-demo``): realistic sustainable products in Portuguese.

By default ~240 products across 10 categories, made through the service (events, scores, search
index), each with a Pillow-drawn image, variants, certifications (some expiring within 30 days),
footprints and reviews. ``--products N`` above :data:`SERVICE_LIMIT` takes the bulk path: core
``INSERT``s in chunks, scores computed in memory, shared images: 100,000 products in minutes.
"""

from __future__ import annotations

import asyncio
import io
import random
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from PIL import Image, ImageDraw
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ecovarejo.core.container import Container
from ecovarejo.core.db import new_id, utcnow
from ecovarejo.core.uow import UnitOfWork

from . import media as media_mod
from . import repository as repo
from . import score as scoring
from . import search, service
from .models import (
    Category,
    Product,
    ProductCertification,
    ProductFacet,
    ProductMedia,
    ProductVariant,
    Review,
)
from .schemas import CategoryIn, ProductCreate

DEFAULT_COUNT = 240
SERVICE_LIMIT = 1000
NS = uuid.UUID("8b1d0c6e-5a43-4f53-9e3c-2f0d8a6a9f10")
SUPPLIERS = [uuid.uuid5(NS, f"supplier-{i:03d}") for i in range(1, 9)]
REVIEWERS = [uuid.uuid5(NS, f"reviewer-{i:03d}") for i in range(1, 41)]

# slug, name, parent slug, colour of the drawn image
CATEGORIES: list[tuple[str, str, str | None, tuple[int, int, int]]] = [
    ("vestuario", "Vestuário", None, (76, 139, 95)),
    ("camisetas", "Camisetas", "vestuario", (96, 160, 110)),
    ("calcas-e-shorts", "Calças e Shorts", "vestuario", (70, 120, 90)),
    ("calcados", "Calçados", None, (140, 98, 57)),
    ("casa-e-decoracao", "Casa e Decoração", None, (181, 140, 90)),
    ("cozinha", "Cozinha", "casa-e-decoracao", (200, 160, 100)),
    ("higiene-e-beleza", "Higiene e Beleza", None, (190, 120, 150)),
    ("alimentos-organicos", "Alimentos Orgânicos", None, (170, 150, 60)),
    ("infantil", "Infantil", None, (100, 160, 200)),
    ("papelaria", "Papelaria", None, (130, 130, 170)),
    ("acessorios", "Acessórios", None, (120, 90, 60)),
    ("pet", "Pet", None, (150, 110, 80)),
    ("limpeza", "Limpeza Ecológica", None, (60, 150, 150)),
]

# category slug -> templates: (name, material, price, kg CO2e, certs, recyclable, biodegradable, colors, sizes)
T = tuple[str, str, str, str, tuple[str, ...], bool, bool, tuple[str, ...], tuple[str, ...]]
TEMPLATES: dict[str, list[T]] = {
    "camisetas": [
        (
            "Camiseta Orgânica",
            "Algodão Orgânico",
            "89.90",
            "2.5",
            ("GOTS",),
            True,
            True,
            ("Branco", "Preto", "Cinza"),
            ("P", "M", "G", "GG"),
        ),
        (
            "Camiseta de Cânhamo",
            "Cânhamo",
            "109.90",
            "1.9",
            ("OEKO-TEX",),
            True,
            True,
            ("Areia", "Verde Musgo"),
            ("P", "M", "G"),
        ),
        (
            "Regata de Bambu",
            "Fibra de Bambu",
            "69.90",
            "1.7",
            (),
            True,
            True,
            ("Branco", "Azul Marinho"),
            ("P", "M", "G"),
        ),
        (
            "Camiseta de PET Reciclado",
            "Poliéster de PET Reciclado",
            "79.90",
            "3.1",
            ("C2C",),
            True,
            False,
            ("Preto", "Cinza"),
            ("P", "M", "G", "GG"),
        ),
    ],
    "calcas-e-shorts": [
        (
            "Calça Jeans Reciclada",
            "Algodão Reciclado",
            "219.90",
            "9.8",
            ("GOTS",),
            True,
            False,
            ("Azul", "Preto"),
            ("38", "40", "42", "44"),
        ),
        ("Bermuda de Linho", "Linho", "159.90", "4.2", (), True, True, ("Bege", "Verde Oliva"), ("38", "40", "42")),
        (
            "Calça de Moletom Orgânico",
            "Algodão Orgânico",
            "179.90",
            "6.1",
            ("GOTS", "FAIRTRADE"),
            True,
            True,
            ("Cinza", "Preto"),
            ("P", "M", "G"),
        ),
    ],
    "calcados": [
        (
            "Tênis de Algodão Orgânico",
            "Algodão Orgânico e Borracha Natural",
            "329.90",
            "11.5",
            ("B-CORP",),
            False,
            False,
            ("Branco", "Off-White"),
            ("36", "38", "40", "42"),
        ),
        (
            "Chinelo de Borracha Reciclada",
            "Borracha Reciclada",
            "59.90",
            "2.8",
            (),
            True,
            False,
            ("Preto", "Azul"),
            ("35", "37", "39", "41"),
        ),
        (
            "Sandália de Cortiça",
            "Cortiça",
            "189.90",
            "4.0",
            ("FSC",),
            True,
            True,
            ("Natural",),
            ("35", "36", "37", "38", "39"),
        ),
    ],
    "cozinha": [
        ("Kit Talheres de Bambu", "Bambu", "49.90", "0.6", ("FSC",), False, True, ("Natural",), ()),
        ("Pote de Vidro com Tampa de Bambu", "Vidro e Bambu", "39.90", "1.2", (), True, False, (), ("500 ml", "1 L")),
        (
            "Envoltório de Cera de Abelha",
            "Algodão Orgânico e Cera de Abelha",
            "44.90",
            "0.3",
            ("IBD-ORGANICO",),
            False,
            True,
            ("Estampado",),
            ("P", "M", "G"),
        ),
        ("Escova de Louça de Sisal", "Sisal e Madeira Certificada", "24.90", "0.2", ("FSC",), False, True, (), ()),
        (
            "Tábua de Corte de Madeira de Reflorestamento",
            "Madeira de Reflorestamento",
            "89.90",
            "1.6",
            ("FSC",),
            False,
            True,
            (),
            ("Média", "Grande"),
        ),
    ],
    "casa-e-decoracao": [
        (
            "Manta de Algodão Reciclado",
            "Algodão Reciclado",
            "149.90",
            "5.0",
            ("OEKO-TEX",),
            True,
            False,
            ("Cru", "Terracota"),
            (),
        ),
        ("Vaso de Fibra de Coco", "Fibra de Coco", "34.90", "0.4", (), False, True, ("Natural",), ("P", "M")),
        ("Luminária de Papelão Reciclado", "Papelão Reciclado", "119.90", "1.1", ("FSC",), True, True, ("Kraft",), ()),
    ],
    "higiene-e-beleza": [
        (
            "Escova de Dentes de Bambu",
            "Bambu",
            "14.90",
            "0.05",
            ("FSC",),
            False,
            True,
            ("Natural", "Verde"),
            ("Macia", "Média"),
        ),
        ("Shampoo Sólido Natural", "Óleos Vegetais", "39.90", "0.15", ("ECOCERT",), False, True, (), ("80 g",)),
        (
            "Desodorante Vegano em Bastão",
            "Manteiga Vegetal",
            "34.90",
            "0.12",
            ("ECOCERT", "B-CORP"),
            False,
            True,
            (),
            ("50 g",),
        ),
        ("Sabonete Artesanal de Argila", "Óleos Vegetais e Argila", "19.90", "0.08", (), False, True, (), ("100 g",)),
        ("Coletor Menstrual de Silicone", "Silicone Medicinal", "79.90", "0.3", (), False, False, (), ("A", "B")),
    ],
    "alimentos-organicos": [
        (
            "Café Orgânico Torrado",
            "Café Arábica Orgânico",
            "42.90",
            "1.8",
            ("IBD-ORGANICO", "RAINFOREST-ALLIANCE"),
            True,
            True,
            (),
            ("250 g", "500 g"),
        ),
        ("Chocolate Amargo 70% Orgânico", "Cacau Orgânico", "24.90", "0.9", ("FAIRTRADE",), True, True, (), ("80 g",)),
        ("Açúcar Mascavo Orgânico", "Cana Orgânica", "18.90", "0.7", ("IBD-ORGANICO",), True, True, (), ("1 kg",)),
        (
            "Granola Artesanal Sem Glúten",
            "Grãos Orgânicos",
            "29.90",
            "0.6",
            ("IBD-ORGANICO",),
            True,
            True,
            (),
            ("400 g",),
        ),
        (
            "Mel Silvestre Orgânico",
            "Mel Orgânico",
            "36.90",
            "0.5",
            ("IBD-ORGANICO",),
            True,
            True,
            (),
            ("300 g", "500 g"),
        ),
    ],
    "infantil": [
        (
            "Body de Bebê em Algodão Orgânico",
            "Algodão Orgânico",
            "59.90",
            "1.4",
            ("GOTS",),
            True,
            True,
            ("Branco", "Amarelo"),
            ("RN", "P", "M", "G"),
        ),
        (
            "Brinquedo de Madeira Certificada",
            "Madeira Certificada",
            "99.90",
            "2.0",
            ("FSC",),
            False,
            True,
            ("Natural",),
            (),
        ),
        (
            "Fralda de Pano Ecológica",
            "Algodão Orgânico e Bambu",
            "49.90",
            "0.9",
            ("OEKO-TEX",),
            True,
            True,
            ("Branco", "Estampado"),
            ("Único",),
        ),
    ],
    "papelaria": [
        (
            "Caderno de Papel Reciclado",
            "Papel Reciclado",
            "29.90",
            "0.8",
            ("FSC",),
            True,
            True,
            ("Kraft", "Verde"),
            ("A5", "A4"),
        ),
        (
            "Lápis de Madeira de Reflorestamento",
            "Madeira de Reflorestamento",
            "12.90",
            "0.1",
            ("FSC",),
            False,
            True,
            (),
            (),
        ),
        ("Caneta de Bagaço de Cana", "Bagaço de Cana", "9.90", "0.05", (), False, True, ("Azul", "Preta"), ()),
    ],
    "acessorios": [
        (
            "Mochila de Lona Reciclada",
            "Lona de PET Reciclado",
            "249.90",
            "7.5",
            ("C2C",),
            True,
            False,
            ("Preto", "Verde Militar"),
            (),
        ),
        ("Bolsa Ecobag de Algodão Cru", "Algodão Cru", "39.90", "1.0", ("FAIRTRADE",), True, True, ("Cru",), ()),
        ("Óculos de Sol de Bambu", "Bambu", "199.90", "1.3", (), False, True, ("Natural",), ()),
        (
            "Garrafa Térmica de Aço Inox",
            "Aço Inoxidável Reciclado",
            "119.90",
            "4.8",
            ("B-CORP",),
            True,
            False,
            ("Prata", "Verde", "Preto"),
            ("500 ml", "750 ml"),
        ),
        ("Canudo de Inox com Escova", "Aço Inoxidável", "29.90", "0.4", (), True, False, ("Prata",), ()),
    ],
    "pet": [
        ("Coleira de Cânhamo", "Cânhamo", "49.90", "0.5", (), False, True, ("Natural", "Verde"), ("P", "M", "G")),
        (
            "Cama Pet de Tecido Reciclado",
            "Tecido de PET Reciclado",
            "189.90",
            "6.2",
            (),
            True,
            False,
            ("Cinza", "Bege"),
            ("P", "M", "G"),
        ),
        ("Brinquedo Pet de Juta", "Juta", "24.90", "0.2", (), False, True, (), ()),
    ],
    "limpeza": [
        (
            "Detergente Biodegradável Concentrado",
            "Tensoativos Vegetais",
            "22.90",
            "0.4",
            ("EU-ECOLABEL",),
            True,
            True,
            (),
            ("500 ml", "1 L"),
        ),
        ("Sabão em Pó Ecológico", "Base Vegetal", "34.90", "0.9", ("EU-ECOLABEL",), True, True, (), ("1 kg",)),
        ("Esponja Vegetal de Bucha", "Bucha Vegetal", "9.90", "0.02", (), False, True, (), ()),
        (
            "Pano de Limpeza Reutilizável",
            "Fibra de Bambu",
            "19.90",
            "0.3",
            ("OEKO-TEX",),
            False,
            True,
            ("Verde", "Azul"),
            (),
        ),
    ],
}
EDITIONS = [
    "Essencial",
    "Clássica",
    "Premium",
    "Natural",
    "Slim",
    "Tropical",
    "Urbana",
    "Raiz",
    "Mata Atlântica",
    "Cerrado",
]
DESCRIPTIONS = [
    "Produzido de forma responsável, com rastreabilidade da matéria-prima e embalagem reciclável.",
    "Feito por pequenos produtores parceiros, com comércio justo e baixo impacto ambiental.",
    "Durável e pensado para a economia circular: ao fim da vida útil, devolva para reciclagem.",
    "Sem plástico de uso único e com transporte compensado em carbono.",
]
REVIEW_TEXTS = [
    (5, "Excelente!", "Qualidade ótima e chegou em embalagem sem plástico. Recomendo."),
    (4, "Muito bom", "Gostei bastante, só achei que poderia ser um pouco mais barato."),
    (5, "Amei", "Produto sustentável de verdade, dá para sentir a qualidade do material."),
    (3, "Razoável", "Cumpre o que promete, mas a entrega demorou."),
    (4, "Recomendo", "Ótimo custo-benefício para quem quer consumir de forma consciente."),
    (2, "Esperava mais", "O tamanho veio menor do que eu imaginava."),
]
SEARCH_WORDS = sorted(
    {w for ts in TEMPLATES.values() for t in ts for w in search.terms(t[0] + " " + t[1]) if len(w) > 3}
)


def _image(name: str, colour: tuple[int, int, int], seed: int) -> bytes:
    """A simple product picture: the category's colour, a leaf, and the product's initials."""
    rnd = random.Random(seed)
    img = Image.new("RGB", (480, 480), colour)
    d = ImageDraw.Draw(img)
    light = (min(255, colour[0] + 60), min(255, colour[1] + 60), min(255, colour[2] + 60))
    for _ in range(6):
        x, y, r = rnd.randint(0, 480), rnd.randint(0, 480), rnd.randint(30, 120)
        d.ellipse((x - r, y - r, x + r, y + r), fill=light)
    d.ellipse((150, 120, 330, 360), fill=(245, 245, 235))
    d.line((240, 140, 240, 350), fill=colour, width=6)
    initials = "".join(w[0] for w in name.split()[:3]).upper()
    d.text((20, 440), initials, fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


async def _categories(uow: UnitOfWork) -> dict[str, Category]:
    existing = {c.slug: c for c in await repo.all_categories(uow)}
    for pos, (slug, name, parent, _colour) in enumerate(CATEGORIES):
        if slug in existing:
            continue
        out = await service.create_category(
            uow,
            CategoryIn(name=name, slug=slug, parent_id=existing[parent].id if parent else None, position=pos),
        )
        c = await repo.category(uow, out.id)
        assert c is not None
        existing[slug] = c
    return existing


def _plan(n: int, rnd: random.Random) -> list[tuple[str, T, str, int]]:
    """(category slug, template, edition, serial) for ``n`` products, cycling through the catalog."""
    flat = [(cat, t) for cat, ts in TEMPLATES.items() for t in ts]
    out = []
    for i in range(n):
        cat, t = flat[i % len(flat)]
        edition = EDITIONS[(i // len(flat)) % len(EDITIONS)]
        out.append((cat, t, edition, i + 1))
    return out


def _progress(console: Console | None) -> Progress:
    return Progress(
        TextColumn("[green]catálogo[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
        transient=False,
    )


async def seed_demo(container: Container, uow: UnitOfWork, options: dict[str, Any]) -> None:
    n = int(options.get("products") or 0) or DEFAULT_COUNT
    console: Console | None = options.get("console")
    await search.ensure_index(uow.db, uow.session)
    have = await repo.count_products(uow)
    if have >= n:
        return  # idempotent
    await service.ensure_registry(uow)
    cats = await _categories(uow)
    rnd = random.Random(20261129)
    plan = _plan(n, rnd)[have:]
    if n > SERVICE_LIMIT:
        await _bulk(container, uow, cats, plan, rnd, console)
        uow.after_commit(lambda: repo.analyze(uow.db))
    else:
        await _through_service(container, uow, cats, plan, rnd, console)
    await repo.bump_version(uow)


def _create(cat_id: uuid.UUID, t: T, edition: str, serial: int, rnd: random.Random) -> ProductCreate:
    name, material, price, kg, certs, recyclable, biodegradable, colors, sizes = t
    today = utcnow().date()
    base_sku = "ECO-" + "".join(w[:3] for w in search.terms(name)[:3]).upper()
    sku = f"{base_sku}-{serial:06d}"
    price_d = (Decimal(price) * Decimal(rnd.choice(["0.9", "1", "1", "1.1", "1.2"]))).quantize(Decimal("0.01"))
    kg_d = (Decimal(kg) * Decimal(rnd.choice(["0.7", "0.85", "1", "1.15", "1.3"]))).quantize(Decimal("0.001"))
    cert_list = []
    for j, code in enumerate(certs):
        # Every 9th certified product has a certificate expiring within 30 days; a few already expired.
        if serial % 9 == 0 and j == 0:
            expiry = today + timedelta(days=rnd.randint(3, 28))
        elif serial % 23 == 0 and j == 0:
            expiry = today - timedelta(days=rnd.randint(1, 60))
        else:
            expiry = today + timedelta(days=rnd.randint(120, 900))
        cert_list.append({"name": code, "level": "certificado", "expiry": expiry})
    variants = []
    vcolors: list[str | None] = [*colors[:3]] or [None]
    vsizes: list[str | None] = [*sizes[:4]] or [None]
    if len(vcolors) * len(vsizes) > 1:
        for c in vcolors:
            for s in vsizes:
                suffix = "-".join(search.terms(x)[0][:3].upper() for x in (c, s) if x)
                override = None
                if s in ("GG", "44", "1 L", "500 g", "Grande", "750 ml"):
                    override = (price_d * Decimal("1.1")).quantize(Decimal("0.01"))
                variants.append({"sku": f"{sku}-{suffix}", "color": c, "size": s, "price_override": override})
    full = f"{name} {edition}"
    return ProductCreate.model_validate(
        {
            "sku": sku,
            "name": full,
            "price": price_d,
            "description": f"{full}: {material.lower()}. {DESCRIPTIONS[serial % len(DESCRIPTIONS)]}",
            "category_id": cat_id,
            "supplier_id": SUPPLIERS[serial % len(SUPPLIERS)],
            "carbon_footprint_kg": kg_d,
            "recyclable": recyclable,
            "biodegradable": biodegradable,
            "certifications": cert_list,
            "attributes": {
                "material": material,
                "color": list(colors),
                "size": list(sizes),
                "care_instructions": "Lavar a 30°C, secar à sombra" if colors and sizes else None,
            },
            "featured": serial % 17 == 0,
            "slug": f"{service.slugify(full)}-{serial}",
            "variants": variants,
        }
    )


async def _through_service(
    container: Container,
    uow: UnitOfWork,
    cats: dict[str, Category],
    plan: list[tuple[str, T, str, int]],
    rnd: random.Random,
    console: Console | None,
) -> None:
    store = container.ports.find(media_mod.MediaStore)
    colours = {slug: colour for slug, _n, _p, colour in CATEGORIES}
    with _progress(console) as bar:
        task = bar.add_task("products", total=len(plan))
        for cat, t, edition, serial in plan:
            data = _create(cats[cat].id, t, edition, serial, rnd)
            out = await service.create_product(uow, data, None, rescore=False)
            if store is not None:
                png = await asyncio.to_thread(_image, data.name, colours[cat], serial)
                await service.add_media(uow, store, out.id, png, alt=f"{data.name} - Frente", max_bytes=10**7)
            for k in range(serial % 4):
                rating, title, body = REVIEW_TEXTS[(serial + k) % len(REVIEW_TEXTS)]
                uow.session.add(
                    Review(
                        product_id=out.id,
                        user_id=REVIEWERS[(serial * 7 + k) % len(REVIEWERS)],
                        author_name=f"Cliente {(serial * 7 + k) % len(REVIEWERS) + 1}",
                        rating=rating,
                        title=title,
                        body=body,
                        verified_purchase=k % 2 == 0,
                    )
                )
            if serial % 4:
                await uow.flush()
                await repo.refresh_rating(uow, out.id)
            bar.advance(task)
    await service.recompute_scores(uow)
    await uow.flush()


async def _bulk(
    container: Container,
    uow: UnitOfWork,
    cats: dict[str, Category],
    plan: list[tuple[str, T, str, int]],
    rnd: random.Random,
    console: Console | None,
) -> None:
    """Large catalogs: rows built in memory, inserted in chunks; scores computed here."""
    store = container.ports.find(media_mod.MediaStore)
    colours = {slug: colour for slug, _n, _p, colour in CATEGORIES}
    images: dict[str, str | None] = {}
    by_id = {c.id: c for c in cats.values()}
    for slug in TEMPLATES:
        if store is None:
            images[slug] = None
            continue
        png = _image(cats[slug].name, colours[slug], hash(slug) & 0xFFFF)
        key = f"{uow.tenant_id}/demo/{slug}.png"
        images[slug] = await store.put(key, png, "image/png")
    registry = {c.code: c for c in await repo.certifications(uow)}
    now = utcnow()
    today = now.date()
    chunk = 5000
    with _progress(console) as bar:
        task = bar.add_task("products", total=len(plan))
        for start in range(0, len(plan), chunk):
            part = plan[start : start + chunk]
            products: list[dict[str, Any]] = []
            variants: list[dict[str, Any]] = []
            facets: list[dict[str, Any]] = []
            pcerts: list[dict[str, Any]] = []
            medias: list[dict[str, Any]] = []
            for cat, t, edition, serial in part:
                d = _create(cats[cat].id, t, edition, serial, rnd)
                pid = new_id()
                path: list[str] = []
                cid: uuid.UUID | None = d.category_id
                while cid is not None:
                    path.insert(0, by_id[cid].name)
                    cid = by_id[cid].parent_id
                certs_in = [
                    scoring.CertInput(c.name, registry[c.name].weight, c.expiry, "valid") for c in d.certifications
                ]
                products.append(
                    {
                        "id": pid,
                        "sku": d.sku,
                        "name": d.name,
                        "description": d.description,
                        "category_id": d.category_id,
                        "supplier_id": d.supplier_id,
                        "price": d.price,
                        "currency": "BRL",
                        "carbon_footprint_kg": d.carbon_footprint_kg,
                        "recyclable": d.recyclable,
                        "biodegradable": d.biodegradable,
                        "sustainability_score": scoring.compute(
                            scoring.ScoreInput(
                                tuple(certs_in),
                                d.carbon_footprint_kg,
                                Decimal(t[3]),
                                d.recyclable,
                                d.biodegradable,
                                d.attributes.material,
                            ),
                            today,
                        ),
                        "attributes": d.attributes.model_dump(exclude_none=True),
                        "meta_title": f"{d.name} - EcoVarejo"[:200],
                        "meta_description": d.description[:300],
                        "slug": d.slug,
                        "status": "active",
                        "featured": d.featured,
                        "in_stock": True,
                        "rating_avg": Decimal(serial % 3 + 3) if serial % 5 else Decimal(0),
                        "rating_count": serial % 5,
                        "image_url": images[cat],
                        "search_text": search.document(
                            d.name,
                            d.sku,
                            path,
                            d.attributes.material,
                            d.attributes.color,
                            d.attributes.size,
                            [c.name for c in d.certifications],
                            d.description,
                        ),
                        "created_at": now - timedelta(seconds=len(plan) - serial),
                        "updated_at": now,
                    }
                )
                for i, v in enumerate(d.variants[:4]):
                    variants.append(
                        {
                            "id": new_id(),
                            "product_id": pid,
                            "sku": v.sku,
                            "name": " / ".join(x for x in (v.color, v.size) if x),
                            "color": v.color,
                            "size": v.size,
                            "price_override": v.price_override,
                            "attributes": {},
                            "position": i,
                            "in_stock": True,
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                kinds = {("color", c) for c in d.attributes.color} | {("size", s) for s in d.attributes.size}
                if d.attributes.material:
                    kinds.add(("material", d.attributes.material[:60]))
                facets.extend({"id": new_id(), "product_id": pid, "kind": k, "value": v} for k, v in sorted(kinds))
                for c in d.certifications:
                    expired = bool(c.expiry and c.expiry < today)
                    pcerts.append(
                        {
                            "id": new_id(),
                            "product_id": pid,
                            "certification_id": registry[c.name].id,
                            "level": c.level,
                            "expiry": c.expiry,
                            "status": "expired" if expired else "valid",
                            "expiring_notified": False,
                            "expired_notified": False,
                        }
                    )
                if images[cat]:
                    medias.append(
                        {
                            "id": new_id(),
                            "product_id": pid,
                            "kind": "image",
                            "key": f"{uow.tenant_id}/demo/{cat}.png",
                            "url": images[cat],
                            "alt": d.name,
                            "position": 1,
                            "content_type": "image/png",
                            "width": 480,
                            "height": 480,
                            "size_bytes": 0,
                            "thumbnails": {},
                            "created_at": now,
                        }
                    )
            await repo.bulk_insert(uow, Product, products)
            await repo.bulk_insert(uow, ProductVariant, variants)
            await repo.bulk_insert(uow, ProductFacet, facets)
            await repo.bulk_insert(uow, ProductCertification, pcerts)
            await repo.bulk_insert(uow, ProductMedia, medias)
            bar.advance(task, len(part))
    _ = media_mod  # images of the bulk path are shared per category


__all__ = ["SEARCH_WORDS", "seed_demo"]
