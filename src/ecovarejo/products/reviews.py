"""Reviews and ratings: one per user per product, 1–5 stars, moderation, verified purchases."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from ecovarejo.core.auth import Principal
from ecovarejo.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .models import Product, Review
from .schemas import ReviewIn, ReviewModeration, ReviewOut

MAX_LIMIT = 100


def _out(r: Review) -> ReviewOut:
    return ReviewOut(
        id=r.id,
        product_id=r.product_id,
        user_id=r.user_id,
        author_name=r.author_name,
        rating=r.rating,
        title=r.title,
        body=r.body,
        status=r.status,
        verified_purchase=r.verified_purchase,
        created_at=r.created_at,
    )


#: Shown for a review whose author chose no display name.
ANONYMOUS_AUTHOR = "Cliente"


async def _product(uow: UnitOfWork, ref: uuid.UUID | str) -> Product:
    p: Product | None
    try:
        p = await repo.product(uow, ref if isinstance(ref, uuid.UUID) else uuid.UUID(str(ref)))
    except ValueError:
        p = await repo.product_by_slug(uow, str(ref))
    if p is None or p.status != "active":
        raise NotFound("product not found", code="product_not_found")
    return p


async def create_review(
    uow: UnitOfWork, product_ref: uuid.UUID | str, data: ReviewIn, actor: Principal, **_: Any
) -> ReviewOut:
    """A user's review; a second review of the same product by the same user is refused (409)."""
    p = await _product(uow, product_ref)
    if await repo.review_of(uow, p.id, actor.user_id) is not None:
        raise Conflict("you already reviewed this product", code="review_exists")
    r = Review(
        product_id=p.id,
        user_id=actor.user_id,
        # A display name the customer chose, else a neutral one: never (part of) the e-mail (LGPD).
        author_name=data.author_name.strip() or ANONYMOUS_AUTHOR,
        rating=data.rating,
        title=data.title,
        body=data.body,
        verified_purchase=await repo.has_purchase(uow, actor.user_id, p.id),
    )
    repo.add(uow, r)
    try:
        await uow.flush()
    except IntegrityError as exc:
        raise Conflict("you already reviewed this product", code="review_exists") from exc
    await repo.refresh_rating(uow, p.id)
    await repo.bump_version(uow)
    return _out(r)


add_review = create_review


async def update_review(uow: UnitOfWork, review_id: uuid.UUID, data: ReviewIn, actor: Principal) -> ReviewOut:
    r = await repo.review(uow, review_id)
    if r is None:
        raise NotFound("review not found", code="review_not_found")
    if r.user_id != actor.user_id:
        raise Forbidden("only the author edits a review", code="not_your_review")
    r.rating, r.title, r.body = data.rating, data.title, data.body
    if data.author_name:
        r.author_name = data.author_name
    await uow.flush()
    await repo.refresh_rating(uow, r.product_id)
    await repo.bump_version(uow)
    return _out(r)


async def moderate_review(
    uow: UnitOfWork, review_id: uuid.UUID, data: ReviewModeration, actor: Principal | None = None
) -> ReviewOut:
    """Hide (or show again) a review; the product's average and count follow."""
    if actor is not None and (not actor.can("manage_products") or actor.user_type == "supplier"):
        raise Forbidden("moderation requires the manage_products permission", code="permission_denied")
    r = await repo.review(uow, review_id)
    if r is None:
        raise NotFound("review not found", code="review_not_found")
    r.status = data.status
    await uow.flush()
    await repo.refresh_rating(uow, r.product_id)
    await repo.bump_version(uow)
    return _out(r)


async def list_reviews(
    uow: UnitOfWork,
    product_ref: uuid.UUID | str,
    *,
    limit: int = 20,
    cursor: str | None = None,
    include_hidden: bool = False,
    **_: Any,
) -> dict[str, Any]:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", code="invalid_limit")
    p = await _product(uow, product_ref)
    before = None
    if cursor:
        data = repo.decode_cursor(cursor)
        try:
            before = (datetime.fromisoformat(str(data["t"])), uuid.UUID(str(data["id"])))
        except (KeyError, ValueError) as exc:
            raise InvalidInput("the cursor is not valid", code="invalid_cursor") from exc
    rows = await repo.reviews(uow, p.id, include_hidden=include_hidden, limit=limit + 1, before=before)
    nxt = None
    if len(rows) > limit:
        last = rows[limit - 1]
        nxt = repo.encode_cursor({"t": last.created_at.isoformat(), "id": str(last.id)})
    return {
        "items": [_out(r).model_dump(mode="json") for r in rows[:limit]],
        "next_cursor": nxt,
        "rating": {"average": str(p.rating_avg), "count": p.rating_count},
    }


async def mark_verified_purchase(uow: UnitOfWork, user_id: uuid.UUID, product_id: uuid.UUID) -> None:
    """Record that ``user_id`` received ``product_id`` (idempotent); their review becomes verified."""
    await repo.add_purchase(uow, user_id, product_id)
