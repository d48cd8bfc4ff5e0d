"""All SQL of the products context."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ecovarejo.core.errors import InvalidInput
from ecovarejo.core.uow import UnitOfWork

from . import search
from .models import (
    CatalogVersion,
    Category,
    Certification,
    Product,
    ProductCertification,
    ProductFacet,
    ProductMedia,
    ProductVariant,
    Review,
    VerifiedPurchase,
)

# --------------------------------------------------------------------------- catalog version


async def catalog_version(uow: UnitOfWork) -> str:
    row = (
        await uow.session.execute(
            select(CatalogVersion.epoch, CatalogVersion.version).where(CatalogVersion.tenant_id == uow.tenant_id)
        )
    ).first()
    return f"{row[0]}.{row[1]}" if row else "0"


async def bump_version(uow: UnitOfWork) -> None:
    ins = pg_insert if uow.db.is_postgres else sqlite_insert
    stmt = ins(CatalogVersion).values(tenant_id=uow.tenant_id, version=1, epoch=uuid.uuid4().hex)
    stmt = stmt.on_conflict_do_update(
        index_elements=[CatalogVersion.tenant_id], set_={"version": CatalogVersion.version + 1}
    )
    await uow.session.execute(stmt)


# --------------------------------------------------------------------------- categories


async def all_categories(uow: UnitOfWork) -> list[Category]:
    return list((await uow.session.scalars(select(Category).order_by(Category.position, Category.name))).all())


async def category(uow: UnitOfWork, ref: uuid.UUID | str) -> Category | None:
    if isinstance(ref, uuid.UUID):
        return await uow.session.get(Category, ref)
    try:
        return await uow.session.get(Category, uuid.UUID(str(ref)))
    except ValueError:
        return await uow.session.scalar(select(Category).where(Category.slug == ref))


async def category_by_slug(uow: UnitOfWork, slug: str) -> Category | None:
    return await uow.session.scalar(select(Category).where(Category.slug == slug))


async def category_in_use(uow: UnitOfWork, category_id: uuid.UUID) -> bool:
    has_child = await uow.session.scalar(select(exists().where(Category.parent_id == category_id)))
    has_product = await uow.session.scalar(select(exists().where(Product.category_id == category_id)))
    return bool(has_child or has_product)


async def category_average_footprint(uow: UnitOfWork, category_id: uuid.UUID) -> Decimal | None:
    """Average kg CO2e of the category's active products with a known footprint."""
    row = (
        await uow.session.execute(
            select(func.sum(Product.carbon_footprint_kg, type_=BigInteger), func.count()).where(
                Product.category_id == category_id,
                Product.status == "active",
                Product.carbon_footprint_kg.is_not(None),
            )
        )
    ).one()
    total, n = row
    if not n:
        return None
    return (Decimal(int(total or 0)) / 1000 / n).quantize(Decimal("0.001"))


async def category_averages(uow: UnitOfWork) -> dict[uuid.UUID, Decimal]:
    rows = await uow.session.execute(
        select(Product.category_id, func.sum(Product.carbon_footprint_kg, type_=BigInteger), func.count())
        .where(Product.status == "active", Product.carbon_footprint_kg.is_not(None), Product.category_id.is_not(None))
        .group_by(Product.category_id)
    )
    return {cid: (Decimal(int(t or 0)) / 1000 / n).quantize(Decimal("0.001")) for cid, t, n in rows if n and cid}


# --------------------------------------------------------------------------- certification registry


async def certifications(uow: UnitOfWork) -> list[Certification]:
    return list((await uow.session.scalars(select(Certification).order_by(Certification.code))).all())


async def certification_by_code(uow: UnitOfWork, code: str) -> Certification | None:
    return await uow.session.scalar(select(Certification).where(Certification.code == code))


# --------------------------------------------------------------------------- products


def add(uow: UnitOfWork, obj: Any) -> None:
    uow.session.add(obj)


async def product(uow: UnitOfWork, product_id: uuid.UUID, *, for_update: bool = False) -> Product | None:
    stmt = select(Product).where(Product.id == product_id)
    if for_update and uow.db.is_postgres:
        stmt = stmt.with_for_update()
    return await uow.session.scalar(stmt)


async def product_by_slug(uow: UnitOfWork, slug: str) -> Product | None:
    return await uow.session.scalar(select(Product).where(Product.slug == slug))


async def product_by_sku(uow: UnitOfWork, sku: str) -> Product | None:
    return await uow.session.scalar(select(Product).where(Product.sku == sku))


async def sku_taken(uow: UnitOfWork, sku: str, *, product_id: uuid.UUID | None = None) -> bool:
    """Whether ``sku`` is used by another product or by a variant of another product."""
    p = await uow.session.scalar(select(Product.id).where(Product.sku == sku))
    if p is not None and p != product_id:
        return True
    v = await uow.session.scalar(select(ProductVariant.product_id).where(ProductVariant.sku == sku))
    return v is not None and v != product_id


async def slug_taken(uow: UnitOfWork, slug: str, *, product_id: uuid.UUID | None = None) -> bool:
    p = await uow.session.scalar(select(Product.id).where(Product.slug == slug))
    return p is not None and p != product_id


async def variants(uow: UnitOfWork, product_ids: Sequence[uuid.UUID]) -> list[ProductVariant]:
    if not product_ids:
        return []
    return list(
        (
            await uow.session.scalars(
                select(ProductVariant)
                .where(ProductVariant.product_id.in_(product_ids))
                .order_by(ProductVariant.position, ProductVariant.sku)
            )
        ).all()
    )


async def product_certifications(
    uow: UnitOfWork, product_ids: Sequence[uuid.UUID]
) -> list[tuple[ProductCertification, Certification]]:
    if not product_ids:
        return []
    rows = await uow.session.execute(
        select(ProductCertification, Certification)
        .join(Certification, Certification.id == ProductCertification.certification_id)
        .where(ProductCertification.product_id.in_(product_ids))
        .order_by(Certification.code)
    )
    return [(pc, c) for pc, c in rows]


async def media(uow: UnitOfWork, product_id: uuid.UUID) -> list[ProductMedia]:
    return list(
        (
            await uow.session.scalars(
                select(ProductMedia)
                .where(ProductMedia.product_id == product_id)
                .order_by(ProductMedia.position, ProductMedia.created_at)
            )
        ).all()
    )


async def media_item(uow: UnitOfWork, media_id: uuid.UUID) -> ProductMedia | None:
    return await uow.session.get(ProductMedia, media_id)


async def delete_children(uow: UnitOfWork, product_id: uuid.UUID, *, variants_too: bool, certs_too: bool) -> None:
    await uow.session.execute(delete(ProductFacet).where(ProductFacet.product_id == product_id))
    if variants_too:
        await uow.session.execute(delete(ProductVariant).where(ProductVariant.product_id == product_id))
    if certs_too:
        await uow.session.execute(delete(ProductCertification).where(ProductCertification.product_id == product_id))


async def delete_product(uow: UnitOfWork, p: Product) -> None:
    await uow.session.delete(p)


async def list_skus(uow: UnitOfWork) -> list[str]:
    products = (await uow.session.scalars(select(Product.sku).where(Product.status == "active"))).all()
    vs = (
        await uow.session.scalars(
            select(ProductVariant.sku)
            .join(Product, Product.id == ProductVariant.product_id)
            .where(Product.status == "active")
        )
    ).all()
    return sorted({*products, *vs})


# --------------------------------------------------------------------------- sellables


async def sellable_rows(
    uow: UnitOfWork, skus: Sequence[str], today: date
) -> list[tuple[Product, ProductVariant | None, bool]]:
    """(product, variant or None, certified) for each known SKU, in two queries."""
    certified = (
        exists()
        .where(
            ProductCertification.product_id == Product.id,
            ProductCertification.status == "valid",
            or_(ProductCertification.expiry.is_(None), ProductCertification.expiry >= today),
        )
        .label("certified")
    )
    out: list[tuple[Product, ProductVariant | None, bool]] = []
    rows = await uow.session.execute(select(Product, certified).where(Product.sku.in_(skus)))
    out.extend((p, None, bool(c)) for p, c in rows)
    rows2 = await uow.session.execute(
        select(Product, ProductVariant, certified)
        .join(ProductVariant, ProductVariant.product_id == Product.id)
        .where(ProductVariant.sku.in_(skus))
    )
    out.extend((p, v, bool(c)) for p, v, c in rows2)
    return out


# --------------------------------------------------------------------------- listing and search


@dataclass
class Query:
    q: str | None = None
    category_ids: list[uuid.UUID] | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    certification: str | None = None
    min_score: Decimal | None = None
    recyclable: bool | None = None
    biodegradable: bool | None = None
    color: str | None = None
    size: str | None = None
    in_stock: bool | None = None
    featured: bool | None = None
    supplier_id: uuid.UUID | None = None
    statuses: tuple[str, ...] = ("active",)
    sort: str = "relevance"
    limit: int = 24
    cursor: str | None = None
    today: date = field(default_factory=date.today)


SORTS = {
    # name: (column attribute, descending)
    "newest": ("created_at", True),
    "price_asc": ("price", False),
    "price_desc": ("price", True),
    "score_desc": ("sustainability_score", True),
    "rating": ("rating_avg", True),
}


def encode_cursor(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError
        return data
    except (ValueError, json.JSONDecodeError) as exc:
        raise InvalidInput("the cursor is not valid", code="invalid_cursor") from exc


@dataclass
class Page:
    products: list[Product]
    certified: dict[uuid.UUID, list[str]]
    next_cursor: str | None
    facets: dict[str, list[dict[str, Any]]] | None = None


async def _conditions(uow: UnitOfWork, qry: Query) -> tuple[list[ColumnElement[bool]], Any, bool]:
    """(where clauses, relevance expression or None, nothing can match)."""
    t = Product.__table__.c
    conds: list[ColumnElement[bool]] = [Product.status.in_(qry.statuses)]
    rank: Any = None
    if qry.q:
        words = search.terms(qry.q)
        if words:
            if uow.db.is_postgres:
                found = await search.pg_condition(uow.db, uow.tenant_id, t.search_text, t.id, t.tenant_id, words)
                if found is None:
                    return conds, None, True
                cond, rank = found
                conds.append(cond)
            else:
                if await search.ensure_index(uow.db):
                    # Made just now by another connection: this read's snapshot predates it.
                    return conds, None, True
                match = await search.sqlite_match(uow.session, words)
                if match is None:
                    return conds, None, True
                fts = (
                    select(
                        literal_column("products_fts.rowid").label("rid"),
                        literal_column("products_fts.rank").label("rank"),
                    )
                    .select_from(text("products_fts"))
                    .where(text("products_fts MATCH :fts_match").bindparams(fts_match=match))
                    .subquery("fts")
                )
                conds.append(literal_column("products.rowid").in_(select(fts.c.rid)))
                rank = fts  # joined by the relevance sort (a correlated subquery would re-run the MATCH)
    if qry.category_ids is not None:
        conds.append(Product.category_id.in_(qry.category_ids))
    if qry.min_price is not None:
        conds.append(Product.price >= qry.min_price)
    if qry.max_price is not None:
        conds.append(Product.price <= qry.max_price)
    if qry.min_score is not None:
        conds.append(Product.sustainability_score >= qry.min_score)
    if qry.recyclable is not None:
        conds.append(Product.recyclable.is_(qry.recyclable))
    if qry.biodegradable is not None:
        conds.append(Product.biodegradable.is_(qry.biodegradable))
    if qry.in_stock is not None:
        conds.append(Product.in_stock.is_(qry.in_stock))
    if qry.featured is not None:
        conds.append(Product.featured.is_(qry.featured))
    if qry.supplier_id is not None:
        conds.append(Product.supplier_id == qry.supplier_id)
    if qry.certification:
        conds.append(
            exists().where(
                ProductCertification.product_id == Product.id,
                ProductCertification.certification_id == Certification.id,
                Certification.code == qry.certification.upper(),
                ProductCertification.status == "valid",
                or_(ProductCertification.expiry.is_(None), ProductCertification.expiry >= qry.today),
            )
        )
    for kind, value in (("color", qry.color), ("size", qry.size)):
        if value:
            conds.append(
                exists().where(
                    ProductFacet.product_id == Product.id,
                    ProductFacet.kind == kind,
                    func.lower(ProductFacet.value) == value.lower(),
                )
            )
    return conds, rank, False


async def list_products(uow: UnitOfWork, qry: Query, *, with_facets: bool = False) -> Page:
    conds, rank, empty = await _conditions(uow, qry)
    if empty:
        return Page(
            [], {}, None, {k: [] for k in ("category", "certification", "color", "size")} if with_facets else None
        )
    cur = decode_cursor(qry.cursor) if qry.cursor else None
    stmt: Select[Any] = select(Product).where(*conds)
    sort = qry.sort
    if sort == "relevance" and rank is None:
        sort = "newest"
    if sort == "relevance":
        offset = int(cur.get("o", 0)) if cur else 0
        if offset < 0 or offset > 10000:
            raise InvalidInput("the cursor is not valid", code="invalid_cursor")
        if uow.db.is_postgres:
            order = rank.desc()
        else:
            stmt = stmt.join(rank, rank.c.rid == literal_column("products.rowid"))
            order = rank.c.rank.asc()  # bm25: lower is better
        stmt = stmt.order_by(order, Product.id).offset(offset).limit(qry.limit + 1)
        rows = list((await uow.session.scalars(stmt)).all())
        nxt = encode_cursor({"s": "relevance", "o": offset + qry.limit}) if len(rows) > qry.limit else None
    else:
        if sort not in SORTS:
            raise InvalidInput(f"unknown sort {qry.sort!r}", code="invalid_sort")
        attr, desc = SORTS[sort]
        col = getattr(Product, attr)
        if cur:
            if cur.get("s") != sort or "v" not in cur or "id" not in cur:
                raise InvalidInput("the cursor does not belong to this sort", code="invalid_cursor")
            try:
                value: Any = _cursor_value(attr, cur["v"])
                last_id = uuid.UUID(str(cur["id"]))
            except (ValueError, TypeError, ArithmeticError) as exc:
                raise InvalidInput("the cursor is not valid", code="invalid_cursor") from exc
            if desc:
                stmt = stmt.where(or_(col < value, and_(col == value, Product.id < last_id)))
            else:
                stmt = stmt.where(or_(col > value, and_(col == value, Product.id > last_id)))
        stmt = stmt.order_by(col.desc(), Product.id.desc()) if desc else stmt.order_by(col.asc(), Product.id.asc())
        rows = list((await uow.session.scalars(stmt.limit(qry.limit + 1))).all())
        nxt = None
        if len(rows) > qry.limit:
            last = rows[qry.limit - 1]
            nxt = encode_cursor({"s": sort, "v": _cursor_dump(getattr(last, attr)), "id": str(last.id)})
    rows = rows[: qry.limit]
    certs = await certification_codes(uow, [p.id for p in rows], qry.today)
    facets = await _facets(uow, conds, qry.today) if with_facets else None
    return Page(rows, certs, nxt, facets)


def _cursor_dump(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    return str(v)


def _cursor_value(attr: str, raw: Any) -> Any:
    if attr == "created_at":
        return datetime.fromisoformat(str(raw))
    return Decimal(str(raw))


async def certification_codes(
    uow: UnitOfWork, product_ids: Sequence[uuid.UUID], today: date
) -> dict[uuid.UUID, list[str]]:
    if not product_ids:
        return {}
    rows = await uow.session.execute(
        select(ProductCertification.product_id, Certification.code)
        .join(Certification, Certification.id == ProductCertification.certification_id)
        .where(
            ProductCertification.product_id.in_(product_ids),
            ProductCertification.status == "valid",
            or_(ProductCertification.expiry.is_(None), ProductCertification.expiry >= today),
        )
        .order_by(Certification.code)
    )
    out: dict[uuid.UUID, list[str]] = {}
    for pid, code in rows:
        out.setdefault(pid, []).append(code)
    return out


async def _facets(uow: UnitOfWork, conds: list[ColumnElement[bool]], today: date) -> dict[str, list[dict[str, Any]]]:
    """Counts by category, certification, color and size over the matching products, computed once
    (a materialised CTE) so the planner never re-runs the search per facet row."""
    s = uow.session
    matched = select(Product.id.label("pid"), Product.category_id.label("cid")).where(*conds).cte("matched")
    matched = matched.prefix_with("MATERIALIZED")
    cats = await s.execute(
        select(matched.c.cid, func.count()).where(matched.c.cid.is_not(None)).group_by(matched.c.cid)
    )
    certs = await s.execute(
        select(Certification.code, func.count(func.distinct(matched.c.pid)))
        .select_from(matched)
        .join(ProductCertification, ProductCertification.product_id == matched.c.pid)
        .join(Certification, Certification.id == ProductCertification.certification_id)
        .where(
            ProductCertification.status == "valid",
            or_(ProductCertification.expiry.is_(None), ProductCertification.expiry >= today),
        )
        .group_by(Certification.code)
    )
    out: dict[str, list[dict[str, Any]]] = {
        "category": [{"value": str(cid), "count": n} for cid, n in cats],
        "certification": [{"value": code, "count": n} for code, n in certs],
    }
    for kind in ("color", "size"):
        rows = await s.execute(
            select(ProductFacet.value, func.count())
            .select_from(matched)
            .join(ProductFacet, ProductFacet.product_id == matched.c.pid)
            .where(ProductFacet.kind == kind)
            .group_by(ProductFacet.value)
        )
        out[kind] = [{"value": v, "count": n} for v, n in rows]
    for items in out.values():
        items.sort(key=lambda x: (-x["count"], x["value"]))
    return out


async def analyze(db: Any) -> None:
    """Fresh planner statistics after a bulk load (as the owner; PostgreSQL only)."""
    if not db.is_postgres:
        async with db.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
        return
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("products", "product_variants", "product_facets", "product_certifications", "product_media"):
            await conn.execute(text(f"ANALYZE {table}"))


# --------------------------------------------------------------------------- stock flags


async def set_in_stock(uow: UnitOfWork, sku: str, in_stock: bool) -> uuid.UUID | None:
    """Record a SKU's availability; returns the product id it belongs to."""
    v = await uow.session.scalar(select(ProductVariant).where(ProductVariant.sku == sku))
    if v is not None:
        v.in_stock = in_stock
        await uow.flush()
        any_in = await uow.session.scalar(
            select(exists().where(ProductVariant.product_id == v.product_id, ProductVariant.in_stock.is_(True)))
        )
        await uow.session.execute(update(Product).where(Product.id == v.product_id).values(in_stock=bool(any_in)))
        return v.product_id
    p = await product_by_sku(uow, sku)
    if p is None:
        return None
    p.in_stock = in_stock
    return p.id


# --------------------------------------------------------------------------- certifications over time


async def certification_rows_due(
    uow: UnitOfWork, until: date
) -> list[tuple[ProductCertification, Certification, Product]]:
    """Certifications expiring on or before ``until`` not yet fully notified."""
    rows = await uow.session.execute(
        select(ProductCertification, Certification, Product)
        .join(Certification, Certification.id == ProductCertification.certification_id)
        .join(Product, Product.id == ProductCertification.product_id)
        .where(
            ProductCertification.expiry.is_not(None),
            ProductCertification.expiry <= until,
            or_(ProductCertification.expired_notified.is_(False), ProductCertification.expiring_notified.is_(False)),
        )
        .order_by(ProductCertification.id)
    )
    return [(pc, c, p) for pc, c, p in rows]


async def count_in_categories(uow: UnitOfWork, category_ids: Sequence[uuid.UUID]) -> int:
    return int(
        await uow.session.scalar(select(func.count()).select_from(Product).where(Product.category_id.in_(category_ids)))
        or 0
    )


async def product_ids_in_categories(uow: UnitOfWork, category_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    return list((await uow.session.scalars(select(Product.id).where(Product.category_id.in_(category_ids)))).all())


async def score_inputs(
    uow: UnitOfWork, product_ids: Sequence[uuid.UUID] | None = None
) -> tuple[list[Product], dict[uuid.UUID, list[tuple[ProductCertification, Certification]]]]:
    stmt = select(Product)
    if product_ids is not None:
        stmt = stmt.where(Product.id.in_(product_ids))
    products = list((await uow.session.scalars(stmt)).all())
    pcs: dict[uuid.UUID, list[tuple[ProductCertification, Certification]]] = {}
    crow = select(ProductCertification, Certification).join(
        Certification, Certification.id == ProductCertification.certification_id
    )
    if product_ids is not None:
        crow = crow.where(ProductCertification.product_id.in_(product_ids))
    for pc, c in await uow.session.execute(crow):
        pcs.setdefault(pc.product_id, []).append((pc, c))
    return products, pcs


# --------------------------------------------------------------------------- reviews


async def review(uow: UnitOfWork, review_id: uuid.UUID) -> Review | None:
    return await uow.session.get(Review, review_id)


async def review_of(uow: UnitOfWork, product_id: uuid.UUID, user_id: uuid.UUID) -> Review | None:
    return await uow.session.scalar(select(Review).where(Review.product_id == product_id, Review.user_id == user_id))


async def reviews(
    uow: UnitOfWork,
    product_id: uuid.UUID,
    *,
    include_hidden: bool,
    limit: int,
    before: tuple[datetime, uuid.UUID] | None,
) -> list[Review]:
    stmt = select(Review).where(Review.product_id == product_id)
    if not include_hidden:
        stmt = stmt.where(Review.status == "visible")
    if before is not None:
        ts, rid = before
        stmt = stmt.where(or_(Review.created_at < ts, and_(Review.created_at == ts, Review.id < rid)))
    stmt = stmt.order_by(Review.created_at.desc(), Review.id.desc()).limit(limit)
    return list((await uow.session.scalars(stmt)).all())


async def refresh_rating(uow: UnitOfWork, product_id: uuid.UUID) -> tuple[Decimal, int]:
    row = (
        await uow.session.execute(
            select(func.sum(Review.rating), func.count()).where(
                Review.product_id == product_id, Review.status == "visible"
            )
        )
    ).one()
    total, n = int(row[0] or 0), int(row[1] or 0)
    avg = (Decimal(total) / n).quantize(Decimal("0.01")) if n else Decimal("0.00")
    await uow.session.execute(update(Product).where(Product.id == product_id).values(rating_avg=avg, rating_count=n))
    return avg, n


async def has_purchase(uow: UnitOfWork, user_id: uuid.UUID, product_id: uuid.UUID) -> bool:
    return bool(
        await uow.session.scalar(
            select(exists().where(VerifiedPurchase.user_id == user_id, VerifiedPurchase.product_id == product_id))
        )
    )


async def add_purchase(uow: UnitOfWork, user_id: uuid.UUID, product_id: uuid.UUID) -> None:
    if await has_purchase(uow, user_id, product_id):
        return
    uow.session.add(VerifiedPurchase(user_id=user_id, product_id=product_id))
    await uow.flush()
    await uow.session.execute(
        update(Review).where(Review.user_id == user_id, Review.product_id == product_id).values(verified_purchase=True)
    )


# --------------------------------------------------------------------------- bulk (demo catalog, imports)


async def bulk_insert(uow: UnitOfWork, model: Any, rows: list[dict[str, Any]], chunk: int = 2000) -> None:
    """Core ``INSERT`` in chunks (executemany): the large demo catalog's path."""
    if not rows:
        return
    for i in range(0, len(rows), chunk):
        part = rows[i : i + chunk]
        for r in part:
            r.setdefault("tenant_id", uow.tenant_id)
        await uow.session.execute(model.__table__.insert(), part)


async def count_products(uow: UnitOfWork) -> int:
    return int(await uow.session.scalar(select(func.count()).select_from(Product)) or 0)


async def all_products_for_export(uow: UnitOfWork) -> list[Product]:
    return list((await uow.session.scalars(select(Product).order_by(Product.sku))).all())
