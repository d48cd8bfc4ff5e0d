"""The catalog's read path: product documents, the listing (search, filters, sorts, facets), SKUs,
sellables and category footprints. Other contexts reach these through :mod:`.public`."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from ecovarejo.core.auth import Principal
from ecovarejo.core.errors import Forbidden, InvalidInput, NotFound
from ecovarejo.core.uow import UnitOfWork

from . import listing, search
from . import repository as repo
from .categories import category_path, category_tree, descendants
from .common import cert_code, media_out, today
from .models import Category, Product
from .schemas import (
    CategoryRef,
    CertificationOut,
    Money,
    ProductOut,
    ProductSummary,
    Rating,
    Sellable,
    Seo,
    Sustainability,
    VariantOut,
)

MAX_LIMIT = 100


async def product_out(uow: UnitOfWork, p: Product) -> ProductOut:
    by_id, _ = await category_tree(uow)
    path = category_path(by_id, p.category_id)
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
                    issuer=pc.issuer or c.issuer,
                    expiry=pc.expiry,
                    document_url=pc.document_url,
                    status="expired" if pc.status == "expired" or (pc.expiry and pc.expiry < t) else "valid",
                )
                for pc, c in pcs
            ],
            carbon_footprint=p.carbon_footprint_kg,
            recyclable=p.recyclable,
            biodegradable=p.biodegradable,
            sustainability_score=p.sustainability_score,
        ),
        media=[media_out(m) for m in media],
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
    by_id, children = await category_tree(uow)
    category_ids = None
    if category:
        cat = None
        try:
            cat = by_id.get(uuid.UUID(str(category)))
        except ValueError:
            cat = next((c for c in by_id.values() if c.slug == category), None)
        category_ids = descendants(children, cat.id) if cat else []
    qry = listing.Query(
        q=(q or "").strip()[:200] or None,
        category_ids=category_ids,
        min_price=pmin,
        max_price=pmax,
        certification=cert_code(certification) if certification else None,
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
    page = await listing.list_products(uow, qry, with_facets=bool(facets or include_facets))
    items = [_summary(p, by_id, page.certified.get(p.id, [])).model_dump(mode="json") for p in page.products]
    out: dict[str, Any] = {"items": items, "next_cursor": page.next_cursor}
    if page.facets is not None:
        for f in page.facets["category"]:
            c = by_id.get(uuid.UUID(f["value"]))
            f["slug"], f["name"] = (c.slug, c.name) if c else (None, None)
        out["facets"] = page.facets
    return out


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
    by_id, _ = await category_tree(uow)
    out: dict[str, Sellable] = {}
    for p, v, certified in rows:
        path = [c.id for c in category_path(by_id, p.category_id)]
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
            unit_cost=p.cost,
        )
    return out


async def get_sellable(uow: UnitOfWork, sku: str) -> Sellable | None:
    return (await get_sellables(uow, [sku])).get(sku)


async def category_average_footprint(uow: UnitOfWork, category_id: uuid.UUID | str) -> Decimal | None:
    """Average kg CO2e of the active products of a category (``None`` when none has a footprint)."""
    cid = category_id if isinstance(category_id, uuid.UUID) else uuid.UUID(str(category_id))
    return await repo.category_average_footprint(uow, cid)
