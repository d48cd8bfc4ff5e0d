"""Catalog business rules: products, variants, categories, certifications, score, sellables.

Other contexts use :func:`get_sellable`, :func:`get_sellables`, :func:`category_average_footprint`,
:func:`create_product`, :func:`mark_verified_purchase` and :func:`list_skus`. Reviews live in
:mod:`.reviews`, re-exported here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from ecovarejo.core.auth import Principal
from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from . import score as scoring
from . import search
from .models import Category, Certification, Product, ProductCertification, ProductFacet, ProductVariant
from .reviews import create_review, list_reviews, mark_verified_purchase, moderate_review
from .schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    CategoryRef,
    CertificationIn,
    CertificationOut,
    CertificationSchemeIn,
    CertificationSchemeOut,
    MediaOut,
    Money,
    ProductCreate,
    ProductOut,
    ProductPatch,
    ProductSummary,
    Rating,
    ScoreComponent,
    ScoreExplanation,
    Sellable,
    Seo,
    Sustainability,
    VariantOut,
)

__all__ = [
    "ProductCreate",
    "Sellable",
    "category_average_footprint",
    "create_product",
    "create_review",
    "get_sellable",
    "get_sellables",
    "list_reviews",
    "list_skus",
    "mark_verified_purchase",
    "moderate_review",
]

TOPIC = "product-events"
MAX_LIMIT = 100

#: The certification registry every tenant starts with: code -> (name, issuer, weight, description).
DEFAULT_CERTIFICATIONS: dict[str, tuple[str, str, str, str]] = {
    "GOTS": ("Global Organic Textile Standard", "Global Standard gGmbH", "2.0", "Têxteis com fibras orgânicas"),
    "FSC": ("Forest Stewardship Council", "Forest Stewardship Council A.C.", "2.0", "Madeira e papel de manejo"),
    "FAIRTRADE": ("Fairtrade", "Fairtrade International", "1.5", "Comércio justo para produtores"),
    "EU-ECOLABEL": ("EU Ecolabel", "Comissão Europeia", "2.0", "Rótulo ecológico oficial da UE"),
    "B-CORP": ("B Corp", "B Lab", "1.5", "Empresa certificada por impacto socioambiental"),
    "RAINFOREST-ALLIANCE": ("Rainforest Alliance", "Rainforest Alliance", "1.5", "Agricultura sustentável"),
    "C2C": ("Cradle to Cradle Certified", "Cradle to Cradle Products Innovation Institute", "2.5", "Economia circular"),
    "IBD-ORGANICO": ("IBD Orgânico", "IBD Certificações", "1.5", "Produto orgânico brasileiro"),
    "ECOCERT": ("Ecocert", "Ecocert", "1.5", "Cosméticos e alimentos orgânicos"),
    "OEKO-TEX": ("OEKO-TEX Standard 100", "OEKO-TEX Association", "1.0", "Têxteis sem substâncias nocivas"),
}


def cert_code(name: str) -> str:
    """The registry code for a certification name (``eu ecolabel`` -> ``EU-ECOLABEL``)."""
    return _code(name)


def _code(name: str) -> str:
    c = re.sub(r"[^A-Z0-9]+", "-", scoring.fold(name).upper()).strip("-")
    aliases = {"EU-ECOLABEL": "EU-ECOLABEL", "ECOLABEL": "EU-ECOLABEL", "B-CORPORATION": "B-CORP", "BCORP": "B-CORP"}
    return aliases.get(c, c)[:60]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", scoring.fold(text)).strip("-")[:180] or "produto"


def today() -> date:
    return utcnow().date()


# --------------------------------------------------------------------------- authorisation


def _check_manage(actor: Principal | None, supplier_id: uuid.UUID | None) -> None:
    """``None`` is a trusted internal caller (seed, import, other contexts' tests)."""
    if actor is None:
        return
    if not actor.can("manage_products"):
        raise Forbidden("requires the manage_products permission", code="permission_denied")
    if actor.user_type == "supplier" and supplier_id != actor.user_id:
        raise Forbidden("a supplier manages only its own products", code="not_your_product")


# --------------------------------------------------------------------------- categories


async def _tree(uow: UnitOfWork) -> tuple[dict[uuid.UUID, Category], dict[uuid.UUID | None, list[Category]]]:
    cats = await repo.all_categories(uow)
    by_id = {c.id: c for c in cats}
    children: dict[uuid.UUID | None, list[Category]] = {}
    for c in cats:
        children.setdefault(c.parent_id, []).append(c)
    return by_id, children


def _path(by_id: dict[uuid.UUID, Category], cid: uuid.UUID | None) -> list[Category]:
    out: list[Category] = []
    seen: set[uuid.UUID] = set()
    while cid is not None and cid in by_id and cid not in seen:
        seen.add(cid)
        out.append(by_id[cid])
        cid = by_id[cid].parent_id
    return list(reversed(out))


def _descendants(children: dict[uuid.UUID | None, list[Category]], root: uuid.UUID) -> list[uuid.UUID]:
    out, stack = [], [root]
    while stack:
        cid = stack.pop()
        out.append(cid)
        stack.extend(c.id for c in children.get(cid, []))
    return out


def _cat_out(c: Category, children: dict[uuid.UUID | None, list[Category]]) -> CategoryOut:
    return CategoryOut(
        id=c.id,
        slug=c.slug,
        name=c.name,
        description=c.description,
        parent_id=c.parent_id,
        position=c.position,
        children=[_cat_out(k, children) for k in children.get(c.id, [])],
    )


async def list_categories(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The category tree (roots with nested ``children``)."""
    _, children = await _tree(uow)
    return [_cat_out(c, children).model_dump(mode="json") for c in children.get(None, [])]


async def get_category_by_slug(uow: UnitOfWork, slug: str) -> dict[str, Any] | None:
    c = await repo.category_by_slug(uow, slug)
    if c is None:
        return None
    _, children = await _tree(uow)
    return _cat_out(c, children).model_dump(mode="json")


async def create_category(uow: UnitOfWork, data: CategoryIn, actor: Principal | None = None) -> CategoryOut:
    _check_staff(actor)
    slug = data.slug or slugify(data.name)
    if await repo.category_by_slug(uow, slug):
        raise Conflict(f"category slug {slug!r} exists", code="category_slug_taken")
    if data.parent_id and await repo.category(uow, data.parent_id) is None:
        raise InvalidInput("parent category not found", code="unknown_category")
    c = Category(
        slug=slug, name=data.name, parent_id=data.parent_id, description=data.description, position=data.position
    )
    repo.add(uow, c)
    await uow.flush()
    await repo.bump_version(uow)
    return _cat_out(c, {})


async def update_category(
    uow: UnitOfWork, category_id: uuid.UUID, data: CategoryPatch, actor: Principal | None = None
) -> CategoryOut:
    _check_staff(actor)
    c = await repo.category(uow, category_id)
    if c is None:
        raise NotFound("category not found", code="category_not_found")
    fields = data.model_dump(exclude_unset=True)
    if "slug" in fields and fields["slug"] and fields["slug"] != c.slug:
        if await repo.category_by_slug(uow, fields["slug"]):
            raise Conflict("category slug exists", code="category_slug_taken")
    if "parent_id" in fields and fields["parent_id"] is not None:
        by_id, children = await _tree(uow)
        if fields["parent_id"] not in by_id:
            raise InvalidInput("parent category not found", code="unknown_category")
        if fields["parent_id"] in _descendants(children, c.id):
            raise InvalidInput("a category cannot move under itself", code="category_cycle")
    for k, v in fields.items():
        if v is not None or k == "parent_id":
            setattr(c, k, v)
    await uow.flush()
    await repo.bump_version(uow)
    _, children = await _tree(uow)
    return _cat_out(c, children)


async def delete_category(uow: UnitOfWork, category_id: uuid.UUID, actor: Principal | None = None) -> None:
    _check_staff(actor)
    c = await repo.category(uow, category_id)
    if c is None:
        raise NotFound("category not found", code="category_not_found")
    if await repo.category_in_use(uow, c.id):
        raise Conflict("the category has subcategories or products", code="category_in_use")
    await uow.session.delete(c)
    await uow.flush()
    await repo.bump_version(uow)


def _check_staff(actor: Principal | None) -> None:
    if actor is not None and (not actor.can("manage_products") or actor.user_type == "supplier"):
        raise Forbidden("requires the manage_products permission", code="permission_denied")


# --------------------------------------------------------------------------- certification registry


async def list_certifications(uow: UnitOfWork) -> list[CertificationSchemeOut]:
    return [
        CertificationSchemeOut(
            id=c.id, code=c.code, name=c.name, issuer=c.issuer, description=c.description, weight=c.weight
        )
        for c in await repo.certifications(uow)
    ]


async def create_certification(
    uow: UnitOfWork, data: CertificationSchemeIn, actor: Principal | None = None
) -> CertificationSchemeOut:
    _check_staff(actor)
    code = _code(data.code)
    if await repo.certification_by_code(uow, code):
        raise Conflict(f"certification {code} exists", code="certification_exists")
    c = Certification(code=code, name=data.name, issuer=data.issuer, description=data.description, weight=data.weight)
    repo.add(uow, c)
    await uow.flush()
    return CertificationSchemeOut(
        id=c.id, code=c.code, name=c.name, issuer=c.issuer, description=c.description, weight=c.weight
    )


async def _scheme(uow: UnitOfWork, cert: CertificationIn) -> Certification:
    code = _code(cert.name)
    c = await repo.certification_by_code(uow, code)
    if c is not None:
        return c
    if code in DEFAULT_CERTIFICATIONS:
        name, issuer, weight, desc = DEFAULT_CERTIFICATIONS[code]
        c = Certification(code=code, name=name, issuer=issuer, weight=Decimal(weight), description=desc)
    elif cert.issuer:
        c = Certification(code=code, name=cert.name, issuer=cert.issuer, weight=Decimal("1.0"), description="")
    else:
        raise InvalidInput(
            f"unknown certification {cert.name!r}: register it or give its issuer", code="unknown_certification"
        )
    repo.add(uow, c)
    await uow.flush()
    return c


async def ensure_registry(uow: UnitOfWork) -> None:
    for code in DEFAULT_CERTIFICATIONS:
        await _scheme(uow, CertificationIn(name=code))


# --------------------------------------------------------------------------- products: writes


def _facets(data: ProductCreate) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for c in data.attributes.color:
        out.add(("color", c[:60]))
    for s in data.attributes.size:
        out.add(("size", s[:60]))
    for v in data.variants:
        if v.color:
            out.add(("color", v.color))
        if v.size:
            out.add(("size", v.size))
    if data.attributes.material:
        out.add(("material", data.attributes.material[:60]))
    return out


async def _validate(uow: UnitOfWork, data: ProductCreate, product_id: uuid.UUID | None) -> str:
    skus = [data.sku, *(v.sku for v in data.variants)]
    if len(set(skus)) != len(skus):
        raise InvalidInput("SKUs repeat within the product", code="duplicate_sku")
    for s in skus:
        if await repo.sku_taken(uow, s, product_id=product_id):
            raise Conflict(f"SKU {s} is already in the catalog", code="sku_taken")
    if data.category_id is not None and await repo.category(uow, data.category_id) is None:
        raise InvalidInput("category not found", code="unknown_category")
    codes = [_code(c.name) for c in data.certifications]
    if len(set(codes)) != len(codes):
        raise InvalidInput("a certification is listed twice", code="duplicate_certification")
    if data.slug:
        if await repo.slug_taken(uow, data.slug, product_id=product_id):
            raise Conflict(f"slug {data.slug!r} is taken", code="slug_taken")
        return data.slug
    base = slugify(data.name)
    slug, n = base, 2
    while await repo.slug_taken(uow, slug, product_id=product_id):
        slug = f"{base}-{slugify(data.sku)}" if n == 2 else f"{base}-{n}"
        n += 1
    return slug


async def _write_children(uow: UnitOfWork, p: Product, data: ProductCreate) -> None:
    for i, v in enumerate(data.variants):
        repo.add(
            uow,
            ProductVariant(
                product_id=p.id,
                sku=v.sku,
                name=v.name or " / ".join(x for x in (v.color, v.size) if x),
                color=v.color,
                size=v.size,
                price_override=v.price_override,
                attributes=v.attributes,
                position=i,
            ),
        )
    for cert in data.certifications:
        scheme = await _scheme(uow, cert)
        repo.add(
            uow,
            ProductCertification(
                product_id=p.id,
                certification_id=scheme.id,
                level=cert.level,
                expiry=cert.expiry,
                status="expired" if cert.expiry and cert.expiry < today() else "valid",
                expired_notified=bool(cert.expiry and cert.expiry < today()),
            ),
        )
    for kind, value in sorted(_facets(data)):
        repo.add(uow, ProductFacet(product_id=p.id, kind=kind, value=value))


async def _search_text(uow: UnitOfWork, p: Product, data: ProductCreate) -> str:
    by_id, _ = await _tree(uow)
    cats = [c.name for c in _path(by_id, p.category_id)]
    certs = [_code(c.name) for c in data.certifications]
    return search.document(
        p.name,
        p.sku,
        cats,
        data.attributes.material,
        data.attributes.color,
        data.attributes.size,
        [v.color for v in data.variants],
        certs,
        p.description,
    )


def _apply(p: Product, data: ProductCreate, slug: str) -> None:
    p.sku = data.sku
    p.name = data.name
    p.description = data.description
    p.price = data.price
    p.currency = data.currency
    p.category_id = data.category_id
    p.supplier_id = data.supplier_id
    p.status = data.status
    p.carbon_footprint_kg = data.carbon_footprint_kg
    p.recyclable = data.recyclable
    p.biodegradable = data.biodegradable
    p.attributes = data.attributes.model_dump(exclude_none=True)
    p.meta_title = data.meta_title or f"{data.name} - EcoVarejo"[:200]
    p.meta_description = data.meta_description or data.description[:300]
    p.slug = slug
    p.featured = data.featured


#: Above this many products in the touched categories, a write rescored only its own product; the
#: daily job brings the others to the new category average.
SIBLING_RESCORE_LIMIT = 2000


async def _rescore(uow: UnitOfWork, p: Product, categories: set[uuid.UUID | None]) -> None:
    """The product's score, and its category neighbours' (the category average moved)."""
    cats = [c for c in categories if c is not None]
    if cats and await repo.count_in_categories(uow, cats) <= SIBLING_RESCORE_LIMIT:
        await recompute_scores(uow, await repo.product_ids_in_categories(uow, cats) + [p.id])
    else:
        await recompute_scores(uow, [p.id])


async def create_product(
    uow: UnitOfWork, data: ProductCreate, actor: Principal | None = None, *, rescore: bool = True
) -> ProductOut:
    """Create a product (with variants and certifications); emits ``product.created``."""
    if actor is not None and actor.user_type == "supplier" and data.supplier_id is None:
        data = data.model_copy(update={"supplier_id": actor.user_id})
    _check_manage(actor, data.supplier_id)
    await search.ensure_index(uow.db, uow.session)
    slug = await _validate(uow, data, None)
    p = Product(sku=data.sku, name=data.name, price=data.price, slug=slug)
    _apply(p, data, slug)
    p.search_text = await _search_text(uow, p, data)
    repo.add(uow, p)
    try:
        await uow.flush()
        await _write_children(uow, p, data)
        await uow.flush()
    except IntegrityError as exc:
        raise Conflict("the SKU or slug is already in the catalog", code="sku_taken") from exc
    if rescore:
        await _rescore(uow, p, {p.category_id})
    await repo.bump_version(uow)
    uow.emit(TOPIC, "product.created", _event(p), subject=p.sku)
    return await product_out(uow, p)


async def update_product(
    uow: UnitOfWork,
    product_id: uuid.UUID,
    data: ProductCreate | ProductPatch,
    actor: Principal | None = None,
    *,
    rescore: bool = True,
) -> ProductOut:
    """PUT (``ProductCreate``: replaces) or PATCH (``ProductPatch``: only the fields sent)."""
    await search.ensure_index(uow.db, uow.session)
    p = await repo.product(uow, product_id, for_update=True)
    if p is None:
        raise NotFound("product not found", code="product_not_found")
    _check_manage(actor, p.supplier_id)
    if isinstance(data, ProductPatch):
        current = await _as_create(uow, p)
        fields = data.model_dump(exclude_unset=True)
        full = ProductCreate.model_validate({**current.model_dump(), **fields})
        variants_sent = "variants" in fields
        certs_sent = "certifications" in fields
    else:
        full, variants_sent, certs_sent = data, True, True
    if actor is not None and actor.user_type == "supplier":
        if full.supplier_id is None:
            full = full.model_copy(update={"supplier_id": actor.user_id})
        _check_manage(actor, full.supplier_id)
    slug = await _validate(uow, full, p.id)
    old_category = p.category_id
    _apply(p, full, slug)
    p.search_text = await _search_text(uow, p, full)
    p.updated_at = utcnow()
    await repo.delete_children(uow, p.id, variants_too=variants_sent, certs_too=certs_sent)
    await uow.flush()
    if not variants_sent:
        full = full.model_copy(update={"variants": []})
    if not certs_sent:
        full = full.model_copy(update={"certifications": []})
    try:
        await _write_children(uow, p, full)
        await uow.flush()
    except IntegrityError as exc:
        raise Conflict("a SKU is already in the catalog", code="sku_taken") from exc
    if rescore:
        await _rescore(uow, p, {old_category, p.category_id})
    await repo.bump_version(uow)
    uow.emit(TOPIC, "product.updated", _event(p), subject=p.sku)
    return await product_out(uow, p)


async def delete_product(uow: UnitOfWork, product_id: uuid.UUID, actor: Principal | None = None) -> None:
    p = await repo.product(uow, product_id, for_update=True)
    if p is None:
        raise NotFound("product not found", code="product_not_found")
    _check_manage(actor, p.supplier_id)
    await search.ensure_index(uow.db, uow.session)
    data = _event(p)
    category_id = p.category_id
    await repo.delete_product(uow, p)
    await uow.flush()
    if category_id is not None and await repo.count_in_categories(uow, [category_id]) <= SIBLING_RESCORE_LIMIT:
        await recompute_scores(uow, await repo.product_ids_in_categories(uow, [category_id]))
    await repo.bump_version(uow)
    uow.emit(TOPIC, "product.deleted", data, subject=data["sku"])


def _event(p: Product) -> dict[str, Any]:
    return {"product_id": str(p.id), "sku": p.sku, "slug": p.slug}


async def _as_create(uow: UnitOfWork, p: Product) -> ProductCreate:
    vs = await repo.variants(uow, [p.id])
    pcs = await repo.product_certifications(uow, [p.id])
    return ProductCreate.model_validate(
        {
            "sku": p.sku,
            "name": p.name,
            "price": p.price,
            "currency": p.currency,
            "description": p.description,
            "category_id": p.category_id,
            "supplier_id": p.supplier_id,
            "status": p.status,
            "carbon_footprint_kg": p.carbon_footprint_kg,
            "recyclable": p.recyclable,
            "biodegradable": p.biodegradable,
            "certifications": [{"name": c.code, "level": pc.level, "expiry": pc.expiry} for pc, c in pcs],
            "attributes": p.attributes or {},
            "meta_title": p.meta_title,
            "meta_description": p.meta_description,
            "slug": p.slug,
            "featured": p.featured,
            "variants": [
                {
                    "sku": v.sku,
                    "name": v.name,
                    "color": v.color,
                    "size": v.size,
                    "price_override": v.price_override,
                    "attributes": v.attributes,
                }
                for v in vs
            ],
        }
    )


# --------------------------------------------------------------------------- products: reads


async def product_out(uow: UnitOfWork, p: Product) -> ProductOut:
    by_id, _ = await _tree(uow)
    path = _path(by_id, p.category_id)
    vs = await repo.variants(uow, [p.id])
    pcs = await repo.product_certifications(uow, [p.id])
    media = await repo.media(uow, p.id)
    t = today()
    refs = [CategoryRef(id=c.id, slug=c.slug, name=c.name) for c in path]
    return ProductOut(
        id=p.id,
        sku=p.sku,
        name=p.name,
        slug=p.slug,
        description=p.description,
        category=refs[-1] if refs else None,
        subcategory=refs[-1].slug if len(refs) > 1 else None,
        category_path=refs,
        price=Money(amount=p.price, currency=p.currency),
        sustainability=Sustainability(
            certifications=[
                CertificationOut(
                    name=c.name,
                    code=c.code,
                    level=pc.level,
                    issuer=c.issuer,
                    expiry=pc.expiry,
                    status="expired" if pc.status == "expired" or (pc.expiry and pc.expiry < t) else "valid",
                )
                for pc, c in pcs
            ],
            carbon_footprint=p.carbon_footprint_kg,
            recyclable=p.recyclable,
            biodegradable=p.biodegradable,
            sustainability_score=p.sustainability_score,
        ),
        media=[
            MediaOut(
                id=m.id,
                type=m.kind,
                url=m.url,
                alt=m.alt,
                order=m.position,
                content_type=m.content_type,
                width=m.width,
                height=m.height,
                thumbnails=m.thumbnails,
            )
            for m in media
        ],
        attributes=p.attributes or {},
        seo=Seo(meta_title=p.meta_title, meta_description=p.meta_description, slug=p.slug),
        status=p.status,
        featured=p.featured,
        in_stock=p.in_stock,
        supplier_id=p.supplier_id,
        variants=[
            VariantOut(
                id=v.id,
                sku=v.sku,
                name=v.name,
                color=v.color,
                size=v.size,
                price=Money(amount=v.price_override if v.price_override is not None else p.price, currency=p.currency),
                price_override=v.price_override,
                attributes=v.attributes or {},
                in_stock=v.in_stock,
            )
            for v in vs
        ],
        rating=Rating(average=p.rating_avg, count=p.rating_count),
        image_url=p.image_url,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


async def _visible(uow: UnitOfWork, p: Product | None, viewer: Principal | None) -> Product | None:
    if p is None:
        return None
    if p.status == "active":
        return p
    if viewer is not None and viewer.can("manage_products"):
        if viewer.user_type != "supplier" or p.supplier_id == viewer.user_id:
            return p
    return None


async def get_product(uow: UnitOfWork, ref: uuid.UUID | str, viewer: Principal | None = None) -> ProductOut:
    """A product by id or slug; drafts and archived products only for who may manage them."""
    p: Product | None
    if isinstance(ref, uuid.UUID):
        p = await repo.product(uow, ref)
    else:
        try:
            p = await repo.product(uow, uuid.UUID(ref))
        except ValueError:
            p = await repo.product_by_slug(uow, ref)
    p = await _visible(uow, p, viewer)
    if p is None:
        raise NotFound("product not found", code="product_not_found")
    return await product_out(uow, p)


async def get_product_by_slug(uow: UnitOfWork, slug: str) -> dict[str, Any]:
    """The public product document (JSON-ready), as the storefront renders it."""
    return (await get_product(uow, slug)).model_dump(mode="json")


async def catalog_version(uow: UnitOfWork) -> str:
    return await repo.catalog_version(uow)


def _bool(v: Any) -> bool | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return v
    s = str(v).lower()
    if s in ("1", "true", "yes", "sim", "on"):
        return True
    if s in ("0", "false", "no", "nao", "off"):
        return False
    raise InvalidInput(f"not a boolean: {v!r}", code="invalid_filter")


def _dec(v: Any, name: str) -> Decimal | None:
    if v is None or v == "":
        return None
    try:
        d = Decimal(str(v))
    except ArithmeticError as exc:
        raise InvalidInput(f"{name} must be a number", code="invalid_filter") from exc
    if not d.is_finite() or d < 0:
        raise InvalidInput(f"{name} must be a positive number", code="invalid_filter")
    if d > FILTER_MAX:  # 1e999 or 1e30 would overflow the money column's quantization (was a 500)
        raise InvalidInput(f"{name} must be at most {FILTER_MAX}", code="invalid_filter")
    return d


#: Upper bound of numeric filters (prices in reais, scores 0-10): beyond any real price.
FILTER_MAX = Decimal("1000000000")


async def list_products(
    uow: UnitOfWork,
    *,
    q: str | None = None,
    category: str | uuid.UUID | None = None,
    min_price: Any = None,
    max_price: Any = None,
    certification: str | None = None,
    min_score: Any = None,
    recyclable: Any = None,
    biodegradable: Any = None,
    color: str | None = None,
    size: str | None = None,
    in_stock: Any = None,
    featured: Any = None,
    supplier_id: uuid.UUID | None = None,
    status: str | None = None,
    sort: str = "relevance",
    limit: int = 24,
    cursor: str | None = None,
    facets: bool = False,
    include_facets: bool = False,
    viewer: Principal | None = None,
    **_: Any,
) -> dict[str, Any]:
    """``{"items": [...], "next_cursor": ..., "facets": {...}?}``: search, filters, sorts, facets."""
    if not 1 <= int(limit) <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", code="invalid_limit")
    if q:
        # Before this unit's session holds a pooled connection: creating the index takes another one.
        await search.ensure_index(uow.db)
    statuses: tuple[str, ...] = ("active",)
    if status and status != "active":
        if viewer is None or not viewer.can("manage_products"):
            raise Forbidden("only catalog managers list drafts and archived products", code="permission_denied")
        statuses = ("draft", "active", "archived") if status == "all" else (status,)
        if viewer.user_type == "supplier":
            supplier_id = viewer.user_id
    pmin, pmax = _dec(min_price, "min_price"), _dec(max_price, "max_price")
    if pmin is not None and pmax is not None and pmin > pmax:
        raise InvalidInput("min_price is above max_price", code="invalid_filter")
    by_id, children = await _tree(uow)
    category_ids = None
    if category:
        cat = None
        try:
            cat = by_id.get(uuid.UUID(str(category)))
        except ValueError:
            cat = next((c for c in by_id.values() if c.slug == category), None)
        category_ids = _descendants(children, cat.id) if cat else []
    qry = repo.Query(
        q=(q or "").strip()[:200] or None,
        category_ids=category_ids,
        min_price=pmin,
        max_price=pmax,
        certification=_code(certification) if certification else None,
        min_score=_dec(min_score, "min_score"),
        recyclable=_bool(recyclable),
        biodegradable=_bool(biodegradable),
        color=color or None,
        size=size or None,
        in_stock=_bool(in_stock),
        featured=_bool(featured),
        supplier_id=supplier_id,
        statuses=statuses,
        sort=sort or "relevance",
        limit=int(limit),
        cursor=cursor or None,
        today=today(),
    )
    page = await repo.list_products(uow, qry, with_facets=bool(facets or include_facets))
    items = [_summary(p, by_id, page.certified.get(p.id, [])).model_dump(mode="json") for p in page.products]
    out: dict[str, Any] = {"items": items, "next_cursor": page.next_cursor}
    if page.facets is not None:
        for f in page.facets["category"]:
            c = by_id.get(uuid.UUID(f["value"]))
            f["slug"], f["name"] = (c.slug, c.name) if c else (None, None)
        out["facets"] = page.facets
    return out


search_products = list_products


def _summary(p: Product, by_id: dict[uuid.UUID, Category], certs: list[str]) -> ProductSummary:
    c = by_id.get(p.category_id) if p.category_id else None
    return ProductSummary(
        id=p.id,
        sku=p.sku,
        name=p.name,
        slug=p.slug,
        category=CategoryRef(id=c.id, slug=c.slug, name=c.name) if c else None,
        price=Money(amount=p.price, currency=p.currency),
        sustainability_score=p.sustainability_score,
        carbon_footprint=p.carbon_footprint_kg,
        recyclable=p.recyclable,
        biodegradable=p.biodegradable,
        certified=bool(certs),
        certifications=certs,
        image_url=p.image_url,
        rating=Rating(average=p.rating_avg, count=p.rating_count),
        in_stock=p.in_stock,
        status=p.status,
        created_at=p.created_at,
    )


async def list_skus(uow: UnitOfWork) -> list[str]:
    """Every SKU (products and variants) of the active catalog: what inventory stocks."""
    return await repo.list_skus(uow)


# --------------------------------------------------------------------------- sellables (orders, web)


async def get_sellables(uow: UnitOfWork, skus: list[str]) -> dict[str, Sellable]:
    """``sku -> Sellable`` for the known SKUs, in a fixed number of queries; a variant SKU carries the
    variant's price override."""
    wanted = list(dict.fromkeys(s for s in skus if s))
    if not wanted:
        return {}
    rows = await repo.sellable_rows(uow, wanted, today())
    by_id, _ = await _tree(uow)
    out: dict[str, Sellable] = {}
    for p, v, certified in rows:
        path = [c.id for c in _path(by_id, p.category_id)]
        sku = v.sku if v else p.sku
        out[sku] = Sellable(
            product_id=p.id,
            variant_id=v.id if v else None,
            sku=sku,
            name=f"{p.name} ({v.name})" if v and v.name else p.name,
            slug=p.slug,
            unit_price=v.price_override if v and v.price_override is not None else p.price,
            currency=p.currency,
            is_active=p.status == "active",
            category_id=p.category_id,
            category_path=list(reversed(path)),
            certified=certified,
            carbon_footprint_kg=p.carbon_footprint_kg if p.carbon_footprint_kg is not None else Decimal("0"),
            sustainability_score=p.sustainability_score,
            supplier_id=p.supplier_id,
            image_url=p.image_url,
        )
    return out


async def get_sellable(uow: UnitOfWork, sku: str) -> Sellable | None:
    return (await get_sellables(uow, [sku])).get(sku)


async def category_average_footprint(uow: UnitOfWork, category_id: uuid.UUID | str) -> Decimal | None:
    """Average kg CO2e of the active products of a category (``None`` when none has a footprint)."""
    cid = category_id if isinstance(category_id, uuid.UUID) else uuid.UUID(str(category_id))
    return await repo.category_average_footprint(uow, cid)


# --------------------------------------------------------------------------- sustainability score


def _inputs(
    p: Product, pcs: Iterable[tuple[ProductCertification, Certification]], avg: Decimal | None
) -> scoring.ScoreInput:
    return scoring.ScoreInput(
        certifications=tuple(scoring.CertInput(c.code, c.weight, pc.expiry, pc.status) for pc, c in pcs),
        footprint_kg=p.carbon_footprint_kg,
        category_average_kg=avg,
        recyclable=p.recyclable,
        biodegradable=p.biodegradable,
        material=(p.attributes or {}).get("material"),
    )


async def recompute_scores(uow: UnitOfWork, product_ids: list[uuid.UUID] | None = None) -> int:
    """Recompute stored scores (all products when ``product_ids`` is ``None``)."""
    products, pcs = await repo.score_inputs(uow, product_ids)
    avgs = await repo.category_averages(uow)
    t = today()
    scores = {}
    for p in products:
        s = scoring.compute(_inputs(p, pcs.get(p.id, []), avgs.get(p.category_id) if p.category_id else None), t)
        if s != p.sustainability_score:
            scores[p.id] = s
            p.sustainability_score = s
    await uow.flush()
    return len(scores)


async def explain_score(uow: UnitOfWork, ref: uuid.UUID | str, **_: Any) -> dict[str, Any]:
    """The score of a product, point by point."""
    prod = await get_product(uow, ref)
    p = await repo.product(uow, prod.id)
    assert p is not None
    pcs = await repo.product_certifications(uow, [p.id])
    avg = await repo.category_average_footprint(uow, p.category_id) if p.category_id else None
    parts = scoring.components(_inputs(p, pcs, avg), today())
    return ScoreExplanation(
        product_id=p.id,
        sku=p.sku,
        score=scoring.total(parts),
        max_score=scoring.MAX_SCORE,
        components=[
            ScoreComponent(key=c.key, label=c.label, points=c.points, max_points=c.max_points, detail=c.detail)
            for c in parts
        ],
        formula=scoring.FORMULA,
    ).model_dump(mode="json")


async def check_certifications(uow: UnitOfWork, on: date | None = None) -> dict[str, int]:
    """The daily job's work for one tenant: mark expired certifications, recompute the scores, and emit
    ``certification.expiring`` (30 days ahead) and ``certification.expired`` (on the day), once each."""
    t = on or today()
    rows = await repo.certification_rows_due(uow, t + timedelta(days=30))
    expiring = expired = 0
    touched: set[uuid.UUID] = set()
    for pc, c, p in rows:
        assert pc.expiry is not None
        data = {
            "product_id": str(p.id),
            "sku": p.sku,
            "name": p.name,
            "supplier_id": str(p.supplier_id) if p.supplier_id else None,
            "certification": c.code,
            "expiry": pc.expiry.isoformat(),
        }
        if pc.expiry < t:
            if pc.status != "expired":
                pc.status = "expired"
                touched.add(p.id)
            if not pc.expired_notified:
                pc.expired_notified = True
                pc.expiring_notified = True
                uow.emit(TOPIC, "certification.expired", data, subject=p.sku)
                expired += 1
        elif not pc.expiring_notified:
            pc.expiring_notified = True
            uow.emit(TOPIC, "certification.expiring", {**data, "days_left": (pc.expiry - t).days}, subject=p.sku)
            expiring += 1
    await uow.flush()
    changed = await recompute_scores(uow)
    if touched or changed:
        await repo.bump_version(uow)
    return {"expiring": expiring, "expired": expired, "rescored": changed}


# --------------------------------------------------------------------------- stock (inventory-events)


async def apply_stock(uow: UnitOfWork, sku: str, available: int) -> None:
    pid = await repo.set_in_stock(uow, sku, available > 0)
    if pid is not None:
        await uow.flush()
        await repo.bump_version(uow)


# --------------------------------------------------------------------------- media


async def add_media(
    uow: UnitOfWork,
    store: Any,
    product_id: uuid.UUID,
    data: bytes,
    *,
    alt: str = "",
    max_bytes: int,
    actor: Principal | None = None,
) -> MediaOut:
    import asyncio

    from . import media as m
    from .models import ProductMedia

    p = await repo.product(uow, product_id)
    if p is None:
        raise NotFound("product not found", code="product_not_found")
    _check_manage(actor, p.supplier_id)
    img = await asyncio.to_thread(m.process_image, data, max_bytes)
    key = m.new_key(uow.tenant_id, p.id, img.ext)
    url = await store.put(key, img.original, img.content_type)
    thumbs: dict[str, str] = {}
    for w, blob in img.thumbnails.items():
        thumbs[str(w)] = await store.put(key.rsplit(".", 1)[0] + f"-{w}.webp", blob, "image/webp")
    existing = await repo.media(uow, p.id)
    item = ProductMedia(
        product_id=p.id,
        key=key,
        url=url,
        alt=alt[:300] or p.name,
        position=len(existing) + 1,
        content_type=img.content_type,
        width=img.width,
        height=img.height,
        size_bytes=len(data),
        thumbnails=thumbs,
    )
    repo.add(uow, item)
    if not existing:
        p.image_url = thumbs.get("480", url)
    p.updated_at = utcnow()
    await uow.flush()
    await repo.bump_version(uow)
    uow.emit(TOPIC, "product.updated", _event(p), subject=p.sku)
    return MediaOut(
        id=item.id,
        type=item.kind,
        url=item.url,
        alt=item.alt,
        order=item.position,
        content_type=item.content_type,
        width=item.width,
        height=item.height,
        thumbnails=item.thumbnails,
    )


async def delete_media(
    uow: UnitOfWork, store: Any, product_id: uuid.UUID, media_id: uuid.UUID, actor: Principal | None = None
) -> None:
    p = await repo.product(uow, product_id)
    item = await repo.media_item(uow, media_id)
    if p is None or item is None or item.product_id != p.id:
        raise NotFound("media not found", code="media_not_found")
    _check_manage(actor, p.supplier_id)
    keys = [item.key, *(item.key.rsplit(".", 1)[0] + f"-{w}.webp" for w in item.thumbnails)]
    await uow.session.delete(item)
    await uow.flush()
    rest = await repo.media(uow, p.id)
    p.image_url = (rest[0].thumbnails.get("480") or rest[0].url) if rest else None
    await repo.bump_version(uow)
    uow.emit(TOPIC, "product.updated", _event(p), subject=p.sku)

    async def _remove() -> None:
        for k in keys:
            await store.delete(k)

    uow.after_commit(_remove)


# --------------------------------------------------------------------------- products the API needs by id


__all__ += ["TOPIC", "ProductOut", "ProductPatch"]
