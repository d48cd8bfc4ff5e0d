"""Rules the catalog's use cases share: the event topic, certification codes, slugs, today's date and
who may manage products or the catalog's structure."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

from ecovarejo.core.auth import Principal
from ecovarejo.core.db import utcnow
from ecovarejo.core.errors import Forbidden

from . import score as scoring
from .models import Product, ProductMedia
from .schemas import MediaOut

TOPIC = "product-events"


def cert_code(name: str) -> str:
    """The registry code for a certification name (``eu ecolabel`` -> ``EU-ECOLABEL``)."""
    c = re.sub(r"[^A-Z0-9]+", "-", scoring.fold(name).upper()).strip("-")
    aliases = {"EU-ECOLABEL": "EU-ECOLABEL", "ECOLABEL": "EU-ECOLABEL", "B-CORPORATION": "B-CORP", "BCORP": "B-CORP"}
    return aliases.get(c, c)[:60]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", scoring.fold(text)).strip("-")[:180] or "produto"


def today() -> date:
    return utcnow().date()


# --------------------------------------------------------------------------- authorisation


def check_manage(actor: Principal | None, supplier_id: uuid.UUID | None) -> None:
    """``None`` is a trusted internal caller (seed, import, other contexts' tests)."""
    if actor is None:
        return
    if not actor.can("manage_products"):
        raise Forbidden("requires the manage_products permission", code="permission_denied")
    if actor.user_type == "supplier" and supplier_id != actor.user_id:
        raise Forbidden("a supplier manages only its own products", code="not_your_product")


def check_staff(actor: Principal | None) -> None:
    if actor is not None and (not actor.can("manage_products") or actor.user_type == "supplier"):
        raise Forbidden("requires the manage_products permission", code="permission_denied")


def product_event(p: Product) -> dict[str, Any]:
    return {"product_id": str(p.id), "sku": p.sku, "slug": p.slug}


def media_out(m: ProductMedia) -> MediaOut:
    """A product's image as the API shows it (the product page and the gallery editor alike)."""
    return MediaOut(
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
