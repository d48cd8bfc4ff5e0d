"""A product's images: add (processed and stored by :mod:`.media`) and delete."""

from __future__ import annotations

import uuid
from typing import Any

from ecovarejo.core.auth import Principal
from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import NotFound
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .common import TOPIC, check_manage, media_out, product_event
from .schemas import MediaOrder, MediaOut


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
    check_manage(actor, p.supplier_id)
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
    uow.emit(TOPIC, "product.updated", product_event(p), subject=p.sku)
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
    check_manage(actor, p.supplier_id)
    keys = [item.key, *(item.key.rsplit(".", 1)[0] + f"-{w}.webp" for w in item.thumbnails)]
    await uow.session.delete(item)
    await uow.flush()
    rest = await repo.media(uow, p.id)
    p.image_url = (rest[0].thumbnails.get("480") or rest[0].url) if rest else None
    await repo.bump_version(uow)
    uow.emit(TOPIC, "product.updated", product_event(p), subject=p.sku)

    async def _remove() -> None:
        for k in keys:
            await store.delete(k)

    uow.after_commit(_remove)


async def reorder_media(
    uow: UnitOfWork, product_id: uuid.UUID, data: MediaOrder, actor: Principal | None = None
) -> list[MediaOut]:
    """The gallery in ``data.order`` (which names every image of the product exactly once; the first is
    the main image) with the alt texts given; all or nothing."""
    from ecovarejo.core.errors import InvalidInput

    p = await repo.product(uow, product_id, for_update=True)
    if p is None:
        raise NotFound("product not found", code="product_not_found")
    check_manage(actor, p.supplier_id)
    items = {m.id: m for m in await repo.media(uow, p.id)}
    if len(set(data.order)) != len(data.order) or set(data.order) != set(items):
        raise InvalidInput("the order must name every image of the product once", code="media_order_mismatch")
    unknown_alt = set(data.alt) - set(items)
    if unknown_alt:
        raise InvalidInput("alt text for an image of another product", code="media_order_mismatch")
    for position, media_id in enumerate(data.order, 1):
        items[media_id].position = position
        if media_id in data.alt:
            items[media_id].alt = data.alt[media_id].strip() or p.name
    first = items[data.order[0]]
    p.image_url = first.thumbnails.get("480") or first.url
    p.updated_at = utcnow()
    await uow.flush()
    await repo.bump_version(uow)
    uow.emit(TOPIC, "product.updated", product_event(p), subject=p.sku)
    ordered = [items[i] for i in data.order]
    return [media_out(m) for m in ordered]
