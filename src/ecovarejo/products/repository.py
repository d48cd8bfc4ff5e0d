"""The SQL of the products context (the catalog listing's is in :mod:`.listing`)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ecovarejo.core.errors import InvalidInput
from ecovarejo.core.uow import UnitOfWork

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


# --------------------------------------------------------------------------- keyset cursors (listing, reviews)


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
