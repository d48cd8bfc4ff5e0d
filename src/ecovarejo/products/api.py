"""REST endpoints of the catalog under ``/api/v1``: reads are public (and cached), writes need the
``manage_products`` permission (a supplier manages only its own products)."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from ecovarejo.core.auth import Principal, current_principal, optional_principal, require_permission
from ecovarejo.core.errors import InvalidInput, PayloadTooLarge
from ecovarejo.core.http import get_container, get_read_uow, get_uow
from ecovarejo.core.uow import UnitOfWork

from . import categories, certifications, csv_io, gallery, list_prices, queries, reviews, scores, service
from .cache import CatalogCache, VersionReader
from .media import MediaSettings, MediaStore
from .ports import BuyerPrices, CategorySuggester
from .schemas import (
    BulkProducts,
    BulkResult,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    CertificationSchemeIn,
    CertificationSchemeOut,
    ImportResult,
    MediaOrder,
    MediaOut,
    ProductCreate,
    ProductOut,
    ProductPage,
    ProductPatch,
    ReviewIn,
    ReviewModeration,
    ReviewOut,
    ReviewPage,
    ScoreExplanation,
)

router = APIRouter(prefix="/api/v1", tags=["products"])
manager = require_permission("manage_products")

ReadUow = Annotated[UnitOfWork, Depends(get_read_uow)]
WriteUow = Annotated[UnitOfWork, Depends(get_uow)]
Manager = Annotated[Principal, Depends(manager)]


def _cache(request: Request) -> CatalogCache:
    return get_container(request).ports.get(CatalogCache)


async def _version(request: Request, uow: UnitOfWork) -> str:
    """The tenant's catalog version: the cache keys' guarantee of freshness."""
    reader = get_container(request).ports.find(VersionReader)
    if reader is not None:
        v = await reader.aread(uow.tenant_id)
        if v is not None:
            return v
    return await queries.catalog_version(uow)


def _json(data: bytes, status: int = 200) -> Response:
    return Response(content=data, media_type="application/json", status_code=status)


def _buyer_prices(request: Request, viewer: Principal | None) -> tuple[BuyerPrices, uuid.UUID] | None:
    """The price lists' port and the company when the viewer is a signed-in company buyer."""
    if viewer is None or viewer.company_id is None:
        return None
    port = get_container(request).ports.find(BuyerPrices)
    return (port, viewer.company_id) if port is not None else None


def _private(doc: dict[str, Any]) -> Response:
    """A company buyer's answer: its prices are its own, never kept by a shared cache."""
    return JSONResponse(doc, headers={"Cache-Control": "private, no-store", "Vary": "Authorization, Cookie"})


@router.get("/products", response_model=ProductPage, summary="List, search and filter products")
async def list_products(
    request: Request,
    uow: ReadUow,
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: str | None = None,
    min_price: str | None = None,
    max_price: str | None = None,
    certification: str | None = None,
    min_score: str | None = None,
    recyclable: bool | None = None,
    biodegradable: bool | None = None,
    color: str | None = None,
    size: str | None = None,
    in_stock: bool | None = None,
    featured: bool | None = None,
    sort: Annotated[str, Query(pattern="^(relevance|price_asc|price_desc|score_desc|newest|rating)$")] = "relevance",
    limit: Annotated[int, Query(ge=1, le=queries.MAX_LIMIT)] = 24,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    facets: bool = False,
    status: Annotated[str | None, Query(pattern="^(draft|active|archived|all)$")] = None,
    viewer: Principal | None = Depends(optional_principal),
) -> Response:
    """``{"items", "next_cursor", "facets"?}``. Public listings are cached (keyed by the catalog version);
    a signed-in company buyer's copy carries ``list_price`` on the products its price lists price."""
    params: dict[str, Any] = {
        "q": q,
        "category": category,
        "min_price": min_price,
        "max_price": max_price,
        "certification": certification,
        "min_score": min_score,
        "recyclable": recyclable,
        "biodegradable": biodegradable,
        "color": color,
        "size": size,
        "in_stock": in_stock,
        "featured": featured,
        "sort": sort,
        "limit": limit,
        "cursor": cursor,
        "facets": facets,
    }
    if status and status != "active":
        return JSONResponse(await queries.list_products(uow, **params, status=status, viewer=viewer))
    cache = _cache(request)
    version = await _version(request, uow)
    key = cache.key(uow.tenant_id, version, "list:" + "&".join(f"{k}={v}" for k, v in sorted(params.items())))
    data = await cache.get_or_load(key, lambda: queries.list_products(uow, **params))
    buyer = _buyer_prices(request, viewer)
    if buyer is None:
        return _json(data)
    return _private(await list_prices.overlay_page(uow, *buyer, json.loads(data)))


@router.get("/products/export.csv", summary="Export the catalog as CSV")
async def export_csv(uow: ReadUow, principal: Manager) -> Response:
    text = await csv_io.export_csv(uow, principal)
    return Response(
        content=text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="products.csv"'},
    )


@router.post("/products/import", summary="Import products from CSV (all or nothing)", response_model=ImportResult)
async def import_csv(
    request: Request,
    uow: WriteUow,
    principal: Manager,
    file: Annotated[UploadFile, File()],
    apply_suggested_categories: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    """Rows without a category get the classifier's suggestion in ``suggestions`` (applied only with
    ``apply_suggested_categories`` and a confident model)."""
    raw = await file.read(csv_io.MAX_BYTES + 1)
    if len(raw) > csv_io.MAX_BYTES:
        raise PayloadTooLarge("the CSV file is too large", code="csv_too_large")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the CSV must be UTF-8", code="invalid_csv") from exc
    result = await csv_io.import_csv(
        uow, text, principal, suggester=get_container(request).ports.find(CategorySuggester),
        apply_suggestions=apply_suggested_categories,
    )  # fmt: skip
    await uow.commit()
    return result


@router.post("/products", status_code=201, response_model=ProductOut)
async def create_product(data: ProductCreate, uow: WriteUow, principal: Manager) -> ProductOut:
    out = await service.create_product(uow, data, principal)
    await uow.commit()
    return out


@router.get("/products/{ref}", response_model=ProductOut, summary="A product by slug (or id)")
async def get_product(
    ref: str, request: Request, uow: ReadUow, viewer: Principal | None = Depends(optional_principal)
) -> Response:
    if viewer is not None and viewer.can("manage_products"):
        return JSONResponse((await queries.get_product(uow, ref, viewer)).model_dump(mode="json"))
    cache = _cache(request)
    version = await _version(request, uow)
    key = cache.key(uow.tenant_id, version, f"product:{ref}")
    data = await cache.get_or_load(key, lambda: queries.get_product_by_slug(uow, ref))
    buyer = _buyer_prices(request, viewer)
    if buyer is None:
        return _json(data)
    return _private(await list_prices.overlay_product(uow, *buyer, json.loads(data)))


@router.put("/products/{product_id}", response_model=ProductOut)
async def replace_product(product_id: uuid.UUID, data: ProductCreate, uow: WriteUow, principal: Manager) -> ProductOut:
    out = await service.update_product(uow, product_id, data, principal)
    await uow.commit()
    return out


@router.patch("/products/{product_id}", response_model=ProductOut)
async def patch_product(product_id: uuid.UUID, data: ProductPatch, uow: WriteUow, principal: Manager) -> ProductOut:
    out = await service.update_product(uow, product_id, data, principal)
    await uow.commit()
    return out


@router.delete("/products/{product_id}", status_code=204)
async def delete_product(product_id: uuid.UUID, uow: WriteUow, principal: Manager) -> Response:
    await service.delete_product(uow, product_id, principal)
    await uow.commit()
    return Response(status_code=204)


@router.get(
    "/products/{ref}/sustainability",
    summary="The sustainability score, point by point",
    response_model=ScoreExplanation,
)
async def sustainability(ref: str, uow: ReadUow) -> dict[str, Any]:
    return await scores.explain_score(uow, ref)


@router.post("/products/{product_id}/media", status_code=201, response_model=MediaOut)
async def upload_media(
    product_id: uuid.UUID,
    request: Request,
    uow: WriteUow,
    principal: Manager,
    file: Annotated[UploadFile, File()],
    alt: Annotated[str, Form(max_length=300)] = "",
) -> MediaOut:
    container = get_container(request)
    limit = container.ports.get(MediaSettings).max_bytes
    data = await file.read(limit + 1)
    out = await gallery.add_media(
        uow, container.ports.get(MediaStore), product_id, data, alt=alt, max_bytes=limit, actor=principal
    )
    await uow.commit()
    return out


@router.put("/products/{product_id}/media", response_model=list[MediaOut], summary="Reorder the gallery, alt texts")
async def reorder_media(product_id: uuid.UUID, data: MediaOrder, uow: WriteUow, principal: Manager) -> list[MediaOut]:
    out = await gallery.reorder_media(uow, product_id, data, principal)
    await uow.commit()
    return out


@router.post(
    "/products/bulk", response_model=BulkResult, summary="One status and/or category for many products (all or none)"
)
async def bulk_products(data: BulkProducts, uow: WriteUow, principal: Manager) -> BulkResult:
    changed = await service.bulk_update(uow, data, principal)
    await uow.commit()
    return BulkResult(changed=changed)


@router.delete("/products/{product_id}/media/{media_id}", status_code=204)
async def delete_media(
    product_id: uuid.UUID, media_id: uuid.UUID, request: Request, uow: WriteUow, principal: Manager
) -> Response:
    await gallery.delete_media(uow, get_container(request).ports.get(MediaStore), product_id, media_id, principal)
    await uow.commit()
    return Response(status_code=204)


@router.get("/products/{ref}/reviews", summary="Visible reviews of a product, newest first", response_model=ReviewPage)
async def list_reviews(
    ref: str,
    uow: ReadUow,
    limit: Annotated[int, Query(ge=1, le=reviews.MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    return await reviews.list_reviews(uow, ref, limit=limit, cursor=cursor)


@router.post("/products/{ref}/reviews", status_code=201, response_model=ReviewOut)
async def create_review(
    ref: str, data: ReviewIn, uow: WriteUow, principal: Principal = Depends(current_principal)
) -> ReviewOut:
    out = await reviews.create_review(uow, ref, data, principal)
    await uow.commit()
    return out


@router.put("/reviews/{review_id}", response_model=ReviewOut)
async def update_review(
    review_id: uuid.UUID, data: ReviewIn, uow: WriteUow, principal: Principal = Depends(current_principal)
) -> ReviewOut:
    out = await reviews.update_review(uow, review_id, data, principal)
    await uow.commit()
    return out


@router.patch("/reviews/{review_id}", response_model=ReviewOut, summary="Moderate a review (hide or show)")
async def moderate_review(review_id: uuid.UUID, data: ReviewModeration, uow: WriteUow, principal: Manager) -> ReviewOut:
    out = await reviews.moderate_review(uow, review_id, data, principal)
    await uow.commit()
    return out


@router.get("/categories", response_model=list[CategoryOut], summary="The category tree")
async def list_categories(request: Request, uow: ReadUow) -> Response:
    cache = _cache(request)
    version = await _version(request, uow)
    key = cache.key(uow.tenant_id, version, "categories")
    return _json(await cache.get_or_load(key, lambda: categories.list_categories(uow)))


@router.post("/categories", status_code=201, response_model=CategoryOut)
async def create_category(data: CategoryIn, uow: WriteUow, principal: Manager) -> CategoryOut:
    out = await categories.create_category(uow, data, principal)
    await uow.commit()
    return out


@router.get("/categories/{slug}", response_model=CategoryOut)
async def get_category(slug: str, uow: ReadUow) -> dict[str, Any]:
    from ecovarejo.core.errors import NotFound

    c = await categories.get_category_by_slug(uow, slug)
    if c is None:
        raise NotFound("category not found", code="category_not_found")
    return c


@router.put("/categories/{category_id}", response_model=CategoryOut)
@router.patch("/categories/{category_id}", response_model=CategoryOut)
async def update_category(
    category_id: uuid.UUID, data: CategoryPatch, uow: WriteUow, principal: Manager
) -> CategoryOut:
    out = await categories.update_category(uow, category_id, data, principal)
    await uow.commit()
    return out


@router.delete("/categories/{category_id}", status_code=204)
async def delete_category(category_id: uuid.UUID, uow: WriteUow, principal: Manager) -> Response:
    await categories.delete_category(uow, category_id, principal)
    await uow.commit()
    return Response(status_code=204)


@router.get("/certifications", response_model=list[CertificationSchemeOut], summary="The certification registry")
async def list_certifications(uow: ReadUow) -> list[CertificationSchemeOut]:
    return await certifications.list_certifications(uow)


@router.post("/certifications", status_code=201, response_model=CertificationSchemeOut)
async def create_certification(
    data: CertificationSchemeIn, uow: WriteUow, principal: Manager
) -> CertificationSchemeOut:
    out = await certifications.create_certification(uow, data, principal)
    await uow.commit()
    return out
