"""The catalog listing's SQL: search, filters, sorts, keyset cursors and facets (the rest of the
context's SQL is in :mod:`.repository`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
)

from ecovarejo.core.errors import InvalidInput
from ecovarejo.core.uow import UnitOfWork

from . import search
from .models import (
    Certification,
    Product,
    ProductCertification,
    ProductFacet,
)
from .repository import decode_cursor, encode_cursor


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
