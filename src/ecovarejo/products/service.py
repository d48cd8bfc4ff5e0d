"""Catalog writes: create, replace, patch and delete products (with their variants, certifications
and facets), and the stock flag inventory's events set.

The rest of the catalog is split by use case: :mod:`.queries` (the read path), :mod:`.categories`,
:mod:`.certifications`, :mod:`.scores`, :mod:`.gallery` (product images), :mod:`.reviews`.
Other contexts call the functions :mod:`.public` exports.
"""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError

from ecovarejo.core.auth import Principal
from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import Conflict, InvalidInput, NotFound
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from . import search
from .categories import category_path, category_tree
from .certifications import certification_scheme
from .common import TOPIC, cert_code, check_manage, product_event, slugify, today
from .models import Product, ProductCertification, ProductFacet, ProductVariant
from .queries import product_out
from .schemas import BulkProducts, ProductCreate, ProductOut, ProductPatch
from .scores import recompute_scores

__all__ = ["ProductCreate", "apply_stock", "bulk_update", "create_product", "delete_product", "update_product"]


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
    codes = [cert_code(c.name) for c in data.certifications]
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
        scheme = await certification_scheme(uow, cert)
        repo.add(
            uow,
            ProductCertification(
                product_id=p.id,
                certification_id=scheme.id,
                level=cert.level,
                expiry=cert.expiry,
                issuer=cert.issuer or "",
                document_url=cert.document_url or "",
                status="expired" if cert.expiry and cert.expiry < today() else "valid",
                expired_notified=bool(cert.expiry and cert.expiry < today()),
            ),
        )
    for kind, value in sorted(_facets(data)):
        repo.add(uow, ProductFacet(product_id=p.id, kind=kind, value=value))


async def _search_text(uow: UnitOfWork, p: Product, data: ProductCreate) -> str:
    by_id, _ = await category_tree(uow)
    cats = [c.name for c in category_path(by_id, p.category_id)]
    certs = [cert_code(c.name) for c in data.certifications]
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
    if "cost" in data.model_fields_set:  # an update that does not send the cost keeps it
        p.cost = data.cost
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
    check_manage(actor, data.supplier_id)
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
    uow.emit(TOPIC, "product.created", product_event(p), subject=p.sku)
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
    check_manage(actor, p.supplier_id)
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
        check_manage(actor, full.supplier_id)
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
    uow.emit(TOPIC, "product.updated", product_event(p), subject=p.sku)
    return await product_out(uow, p)


async def delete_product(uow: UnitOfWork, product_id: uuid.UUID, actor: Principal | None = None) -> None:
    p = await repo.product(uow, product_id, for_update=True)
    if p is None:
        raise NotFound("product not found", code="product_not_found")
    check_manage(actor, p.supplier_id)
    await search.ensure_index(uow.db, uow.session)
    data = product_event(p)
    category_id = p.category_id
    await repo.delete_product(uow, p)
    await uow.flush()
    if category_id is not None and await repo.count_in_categories(uow, [category_id]) <= SIBLING_RESCORE_LIMIT:
        await recompute_scores(uow, await repo.product_ids_in_categories(uow, [category_id]))
    await repo.bump_version(uow)
    uow.emit(TOPIC, "product.deleted", data, subject=data["sku"])


async def _as_create(uow: UnitOfWork, p: Product) -> ProductCreate:
    vs = await repo.variants(uow, [p.id])
    pcs = await repo.product_certifications(uow, [p.id])
    return ProductCreate.model_validate(
        {
            "sku": p.sku,
            "name": p.name,
            "price": p.price,
            "cost": p.cost,
            "currency": p.currency,
            "description": p.description,
            "category_id": p.category_id,
            "supplier_id": p.supplier_id,
            "status": p.status,
            "carbon_footprint_kg": p.carbon_footprint_kg,
            "recyclable": p.recyclable,
            "biodegradable": p.biodegradable,
            "certifications": [
                {
                    "name": c.code,
                    "level": pc.level,
                    "expiry": pc.expiry,
                    "issuer": pc.issuer or None,
                    "document_url": pc.document_url or None,
                }
                for pc, c in pcs
            ],
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


async def bulk_update(uow: UnitOfWork, data: BulkProducts, actor: Principal | None = None) -> int:
    """One status and/or category for many products in the caller's transaction: every product is
    checked (exists, may be managed by ``actor``) before any is changed, so a refusal changes none."""
    fields = data.model_dump(include={"status", "category_id"}, exclude_unset=True)
    if not fields:
        raise InvalidInput("nothing to change: give a status or a category", code="bulk_nothing_to_do")
    if "category_id" in fields and fields["category_id"] is None:
        fields.pop("category_id")
    ids = list(dict.fromkeys(data.ids))
    for product_id in ids:
        p = await repo.product(uow, product_id)
        if p is None:
            raise NotFound("product not found", code="product_not_found")
        check_manage(actor, p.supplier_id)
    patch = ProductPatch.model_validate(fields)
    for product_id in ids:
        await update_product(uow, product_id, patch, actor)
    return len(ids)


# --------------------------------------------------------------------------- products: reads


# --------------------------------------------------------------------------- stock (inventory-events)


async def apply_stock(uow: UnitOfWork, sku: str, available: int) -> None:
    pid = await repo.set_in_stock(uow, sku, available > 0)
    if pid is not None:
        await uow.flush()
        await repo.bump_version(uow)
