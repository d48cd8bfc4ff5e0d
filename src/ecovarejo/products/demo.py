"""Demo catalog (``ecovarejo seed-demo``): realistic sustainable products in Portuguese.

By default ~240 products across 10 categories with variants, certifications (some expiring within
30 days), footprints, reviews and a Pillow-drawn picture per product template with its WebP
thumbnails. Every size is written in bulk (core ``INSERT``s in chunks, scores computed in memory, no
event per product: a new catalog has no reader to tell yet); the demo's pictures are rendered once
per process in a process pool and shared by the products of a template (and by both demo tenants).
``--products N`` above :data:`SERVICE_LIMIT` shares one picture per category and skips reviews:
100,000 products in minutes.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ecovarejo.core.container import Container
from ecovarejo.core.db import new_id, utcnow
from ecovarejo.core.uow import UnitOfWork

from . import categories, certifications, common, listing, scores, search
from . import media as media_mod
from . import repository as repo
from . import score as scoring
from .demo_data import CATEGORIES, DESCRIPTIONS, EDITIONS, REVIEW_TEXTS, SEARCH_WORDS, TEMPLATES, T
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
CENT = Decimal("0.01")
NS = uuid.UUID("8b1d0c6e-5a43-4f53-9e3c-2f0d8a6a9f10")
SUPPLIERS = [uuid.uuid5(NS, f"supplier-{i:03d}") for i in range(1, 9)]
REVIEWERS = [uuid.uuid5(NS, f"reviewer-{i:03d}") for i in range(1, 41)]


def _image(name: str, colour: tuple[int, int, int], seed: int) -> bytes:
    """A simple product picture: the category's colour, a leaf, and the product's initials."""
    from PIL import Image, ImageDraw  # only when the demo is seeded (start time)

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
        out = await categories.create_category(
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
    await certifications.ensure_registry(uow)
    cats = await _categories(uow)
    rnd = random.Random(20261129)
    plan = _plan(n, rnd)[have:]
    demo = n <= SERVICE_LIMIT
    await _bulk(container, uow, cats, plan, rnd, console, demo=demo)
    if demo:
        await scores.recompute_scores(uow)  # against the category averages, as the service scores
    else:
        uow.after_commit(lambda: listing.analyze(uow.db))
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
            "slug": f"{common.slugify(full)}-{serial}",
            "variants": variants,
        }
    )


#: The demo's rendered pictures by (name, colour, seed): both demo tenants (and a second seed in the
#: same process) reuse them.
_RENDERED: dict[tuple[str, tuple[int, int, int], int], tuple[bytes, media_mod.Processed]] = {}


def _render(name: str, colour: tuple[int, int, int], seed: int) -> tuple[bytes, media_mod.Processed]:
    """A demo picture and its checked WebP thumbnails (CPU work: runs in a worker process)."""
    png = _image(name, colour, seed)
    return png, media_mod.process_image(png, 10**7)


async def _render_all(wanted: list[tuple[str, tuple[int, int, int], int]]) -> None:
    """Render the pictures not rendered yet, in a process pool (one worker per core, at most 4)."""
    todo = [w for w in dict.fromkeys(wanted) if w not in _RENDERED]
    if not todo:
        return
    loop = asyncio.get_running_loop()
    workers = max(1, min(4, os.cpu_count() or 1, len(todo)))
    if workers == 1:
        done = [await asyncio.to_thread(_render, *w) for w in todo]
    else:
        with ProcessPoolExecutor(workers) as pool:
            done = await asyncio.gather(*(loop.run_in_executor(pool, _render, *w) for w in todo))
    _RENDERED.update(zip(todo, done, strict=True))


async def _template_media(
    container: Container, uow: UnitOfWork, plan: list[tuple[str, T, str, int]]
) -> dict[str, dict[str, Any]]:
    """Per template name of ``plan``: its picture stored (original and thumbnails), as media columns."""
    store = container.ports.find(media_mod.MediaStore)
    if store is None:
        return {}
    colours = {slug: colour for slug, _n, _p, colour in CATEGORIES}
    names = {t[0]: cat for cat, t, _e, _s in plan}
    wanted = {name: (name, colours[cat], sum(map(ord, name)) & 0xFFFF) for name, cat in names.items()}
    await _render_all(list(wanted.values()))
    out: dict[str, dict[str, Any]] = {}
    for name, w in wanted.items():
        png, img = _RENDERED[w]
        key = f"{uow.tenant_id}/demo/{common.slugify(name)}.png"
        url = await store.put(key, png, "image/png")
        thumbs = {}
        for width, blob in img.thumbnails.items():
            thumbs[str(width)] = await store.put(key.rsplit(".", 1)[0] + f"-{width}.webp", blob, "image/webp")
        out[name] = {"key": key, "url": url, "content_type": img.content_type, "width": img.width,
                     "height": img.height, "size_bytes": len(png), "thumbnails": thumbs,
                     "image_url": thumbs.get("480", url)}  # fmt: skip
    return out


def _reviews(pid: uuid.UUID, serial: int, now: Any) -> list[dict[str, Any]]:
    """The demo's reviews of product ``serial`` (0 to 3 of them)."""
    out = []
    for k in range(serial % 4):
        rating, title, body = REVIEW_TEXTS[(serial + k) % len(REVIEW_TEXTS)]
        who = (serial * 7 + k) % len(REVIEWERS)
        out.append({"id": new_id(), "product_id": pid, "user_id": REVIEWERS[who], "author_name": f"Cliente {who + 1}",
                    "rating": rating, "title": title, "body": body, "status": "visible",
                    "verified_purchase": k % 2 == 0, "created_at": now})  # fmt: skip
    return out


async def _bulk(
    container: Container,
    uow: UnitOfWork,
    cats: dict[str, Category],
    plan: list[tuple[str, T, str, int]],
    rnd: random.Random,
    console: Console | None,
    *,
    demo: bool = False,
) -> None:
    """Rows built in memory, inserted in chunks; scores computed here. ``demo``: a picture with
    thumbnails per template and reviews; otherwise one picture per category, no reviews."""
    store = container.ports.find(media_mod.MediaStore)
    colours = {slug: colour for slug, _n, _p, colour in CATEGORIES}
    images: dict[str, str | None] = {}
    by_id = {c.id: c for c in cats.values()}
    template_media = await _template_media(container, uow, plan) if demo else {}
    for slug in TEMPLATES:
        if store is None or demo:
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
            reviews: list[dict[str, Any]] = []
            for cat, t, edition, serial in part:
                d = _create(cats[cat].id, t, edition, serial, rnd)
                pid = new_id()
                own = _reviews(pid, serial, now) if demo else []
                reviews.extend(own)
                picture = template_media.get(t[0])
                if own:
                    rating_avg, rating_count = (
                        (Decimal(sum(r["rating"] for r in own)) / len(own)).quantize(CENT),
                        len(own),
                    )
                elif demo:
                    rating_avg, rating_count = Decimal("0.00"), 0
                else:
                    rating_avg, rating_count = (Decimal(serial % 3 + 3) if serial % 5 else Decimal(0)), serial % 5
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
                        # a retailer's typical unit cost: the price less a 45-60 % markup
                        "cost": (d.price * Decimal(("0.55", "0.6", "0.65")[len(d.sku) % 3])).quantize(Decimal("0.01")),
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
                        "rating_avg": rating_avg,
                        "rating_count": rating_count,
                        "image_url": picture["image_url"] if picture else images[cat],
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
                if picture:
                    medias.append({"id": new_id(), "product_id": pid, "kind": "image", "key": picture["key"],
                                   "url": picture["url"], "alt": f"{d.name} - Frente", "position": 1,
                                   "content_type": picture["content_type"], "width": picture["width"],
                                   "height": picture["height"], "size_bytes": picture["size_bytes"],
                                   "thumbnails": picture["thumbnails"], "created_at": now})  # fmt: skip
                elif images[cat]:
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
            await repo.bulk_insert(uow, Review, reviews)
            bar.advance(task, len(part))


__all__ = ["SEARCH_WORDS", "seed_demo"]
