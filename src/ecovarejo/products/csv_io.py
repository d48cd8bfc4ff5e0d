"""CSV import and export of products with their variants and certifications.

One row per product. List cells are ``|``-separated:
- ``colors``/``sizes``: ``Branco|Preto``;
- ``certifications``: ``CODE:level:YYYY-MM-DD`` (level and expiry optional), e.g. ``GOTS:organic:2027-12-31``;
- ``variants``: ``SKU:color:size:price_override`` (each part but the SKU optional).

Import is all or nothing: every row is checked first, and when any row is bad the answer lists each
bad row with its line number and reason and nothing is written. Rows whose SKU exists update it.

A row without a category gets the classifier's suggestion (``CategorySuggester``, the ml context's
model) in the answer's ``suggestions``; it is applied only when the caller asks for it
(``apply_suggestions``) and the model is at least :data:`APPLY_CONFIDENCE` sure.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import ValidationError

from ecovarejo.core.auth import Principal
from ecovarejo.core.errors import DomainError, InvalidInput
from ecovarejo.core.uow import UnitOfWork

from . import certifications, common, scores, service
from . import repository as repo
from .ports import CategorySuggester
from .schemas import ProductCreate

MAX_BYTES = 20 * 1024 * 1024
MAX_ERRORS = 500

COLUMNS = (
    "sku",
    "name",
    "description",
    "category",
    "price",
    "currency",
    "status",
    "carbon_footprint_kg",
    "recyclable",
    "biodegradable",
    "material",
    "colors",
    "sizes",
    "care_instructions",
    "certifications",
    "variants",
    "meta_title",
    "meta_description",
    "slug",
    "supplier_id",
)
REQUIRED = ("sku", "name", "price")
APPLY_CONFIDENCE = 0.5


def _split(cell: str) -> list[str]:
    return [x.strip() for x in (cell or "").split("|") if x.strip()]


def _bool(cell: str) -> bool:
    v = (cell or "").strip().lower()
    if v in ("", "0", "false", "nao", "não", "no", "n"):
        return False
    if v in ("1", "true", "sim", "yes", "s", "y"):
        return True
    raise ValueError(f"not a yes/no value: {cell!r}")


def _row_to_create(row: dict[str, str], categories: dict[str, uuid.UUID]) -> ProductCreate:
    cat = (row.get("category") or "").strip()
    category_id = None
    if cat:
        if cat not in categories:
            raise ValueError(f"unknown category {cat!r}")
        category_id = categories[cat]
    certs = []
    for c in _split(row.get("certifications", "")):
        parts = [p.strip() for p in c.split(":")]
        expiry = date.fromisoformat(parts[2]) if len(parts) > 2 and parts[2] else None
        certs.append({"name": parts[0], "level": parts[1] if len(parts) > 1 else "", "expiry": expiry})
    variants = []
    for v in _split(row.get("variants", "")):
        parts = [p.strip() for p in v.split(":")]
        variants.append(
            {
                "sku": parts[0],
                "color": (parts[1] if len(parts) > 1 else "") or None,
                "size": (parts[2] if len(parts) > 2 else "") or None,
                "price_override": (parts[3] if len(parts) > 3 else "") or None,
            }
        )
    cost = (row.get("cost") or "").strip().replace(",", ".")
    data: dict[str, Any] = {
        "sku": row.get("sku", "").strip(),
        "name": row.get("name", "").strip(),
        "description": row.get("description") or "",
        "price": (row.get("price") or "").strip().replace(",", "."),
        "currency": (row.get("currency") or "BRL").strip() or "BRL",
        "status": (row.get("status") or "active").strip() or "active",
        "carbon_footprint_kg": (row.get("carbon_footprint_kg") or "").strip().replace(",", ".") or None,
        "recyclable": _bool(row.get("recyclable", "")),
        "biodegradable": _bool(row.get("biodegradable", "")),
        "attributes": {
            "material": (row.get("material") or "").strip() or None,
            "color": _split(row.get("colors", "")),
            "size": _split(row.get("sizes", "")),
            "care_instructions": (row.get("care_instructions") or "").strip() or None,
        },
        "certifications": certs,
        "variants": variants,
        "meta_title": row.get("meta_title") or "",
        "meta_description": row.get("meta_description") or "",
        "slug": (row.get("slug") or "").strip() or None,
        "supplier_id": (row.get("supplier_id") or "").strip() or None,
        "category_id": category_id,
        **({"cost": cost} if cost else {}),  # a file without costs keeps the ones recorded
    }
    return ProductCreate.model_validate(data)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors(include_url=False)
        )
    if isinstance(exc, DomainError):
        return exc.detail
    return str(exc)


async def import_csv(
    uow: UnitOfWork,
    text: str,
    actor: Principal | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    suggester: CategorySuggester | None = None,
    apply_suggestions: bool = False,
) -> dict[str, Any]:
    """Import ``text``; raises :class:`InvalidInput` (``code="csv_rejected"``, ``errors=[{line, sku,
    reason}]``) when any row is bad, having written nothing."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput(
            f"missing columns: {', '.join(missing)}",
            code="csv_rejected",
            extra={"errors": [{"line": 1, "sku": None, "reason": f"missing columns: {', '.join(missing)}"}]},
        )
    cats = await repo.all_categories(uow)
    categories = {c.slug: c.id for c in cats} | {str(c.id): c.id for c in cats}
    by_name = {c.name.casefold(): c for c in cats}
    suggestions: list[dict[str, Any]] = []
    known_certs = {c.code for c in await repo.certifications(uow)} | set(certifications.DEFAULT_CERTIFICATIONS)
    errors: list[dict[str, Any]] = []
    parsed: list[tuple[int, ProductCreate, uuid.UUID | None]] = []
    seen: dict[str, int] = {}
    last_line = 1
    for row in reader:
        line, last_line = last_line + 1, reader.line_num  # a quoted cell may span lines
        if None in row:
            errors.append({"line": line, "sku": row.get("sku"), "reason": "too many cells"})
            continue
        try:
            pc = _row_to_create(row, categories)
        except (ValidationError, ValueError) as exc:
            errors.append({"line": line, "sku": row.get("sku"), "reason": _reason(exc)})
            continue
        reason = None
        existing = await repo.product_by_sku(uow, pc.sku)
        target = existing.id if existing else None
        for s in (pc.sku, *(v.sku for v in pc.variants)):
            if s in seen:
                reason = f"SKU {s} repeats line {seen[s]}"
                break
            seen[s] = line
            if await repo.sku_taken(uow, s, product_id=target):
                reason = f"SKU {s} belongs to another product"
                break
        for c in pc.certifications:
            if common.cert_code(c.name) not in known_certs and not c.issuer:
                reason = reason or f"unknown certification {c.name!r}"
        if reason:
            errors.append({"line": line, "sku": pc.sku, "reason": reason})
        else:
            if pc.category_id is None and suggester is not None and not errors:
                pc = await _suggest(uow, suggester, pc, line, by_name, suggestions, apply_suggestions)
            parsed.append((line, pc, target))
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise InvalidInput(
            f"{len(errors)} bad row(s); nothing was imported",
            code="csv_rejected",
            extra={"errors": errors},
        )
    created = updated = 0
    total = len(parsed)
    for n, (line, pc, target) in enumerate(parsed, 1):
        try:
            if target is None:
                await service.create_product(uow, pc, actor, rescore=False)
                created += 1
            else:
                await service.update_product(uow, target, pc, actor, rescore=False)
                updated += 1
        except DomainError as exc:
            # The transaction is the caller's and is not committed: nothing of the file is kept.
            await uow.rollback()
            raise InvalidInput(
                f"line {line}: {_reason(exc)}; nothing was imported",
                code="csv_rejected",
                extra={"errors": [{"line": line, "sku": pc.sku, "reason": _reason(exc)}]},
            ) from exc
        if progress:
            progress(n, total)
    if parsed:
        await scores.recompute_scores(uow)
    return {"created": created, "updated": updated, "rows": total, "suggestions": suggestions}


async def _suggest(
    uow: UnitOfWork,
    suggester: CategorySuggester,
    pc: ProductCreate,
    line: int,
    by_name: dict[str, Any],
    out: list[dict[str, Any]],
    apply: bool,
) -> ProductCreate:
    """The classifier's category for a row without one (recorded; applied when asked and sure enough)."""
    found = await suggester.suggest(uow, pc.name, pc.description or "")
    category = by_name.get(found[0].casefold()) if found else None
    if found is None or category is None:
        return pc
    applied = apply and found[1] >= APPLY_CONFIDENCE
    out.append({"line": line, "sku": pc.sku, "category": category.slug, "category_name": category.name,
                "confidence": found[1], "applied": applied})  # fmt: skip
    if not applied:
        return pc
    # validated again (not model_copy) so that the category counts as set for an update of an existing SKU
    return ProductCreate.model_validate({**pc.model_dump(exclude_unset=True), "category_id": category.id})


async def export_csv(uow: UnitOfWork, actor: Principal | None = None) -> str:
    products = await repo.all_products_for_export(uow)
    if actor is not None and actor.user_type == "supplier":
        products = [p for p in products if p.supplier_id == actor.user_id]
    ids = [p.id for p in products]
    variants: dict[uuid.UUID, list[Any]] = {}
    for v in await repo.variants(uow, ids):
        variants.setdefault(v.product_id, []).append(v)
    certs: dict[uuid.UUID, list[Any]] = {}
    for pc, c in await repo.product_certifications(uow, ids):
        certs.setdefault(pc.product_id, []).append((pc, c))
    cats = {c.id: c.slug for c in await repo.all_categories(uow)}
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for p in products:
        a = p.attributes or {}
        w.writerow(
            {
                "sku": p.sku,
                "name": p.name,
                "description": p.description,
                "category": cats.get(p.category_id, "") if p.category_id else "",
                "price": str(p.price),
                "currency": p.currency,
                "status": p.status,
                "carbon_footprint_kg": "" if p.carbon_footprint_kg is None else str(p.carbon_footprint_kg),
                "recyclable": "true" if p.recyclable else "false",
                "biodegradable": "true" if p.biodegradable else "false",
                "material": a.get("material") or "",
                "colors": "|".join(a.get("color") or []),
                "sizes": "|".join(a.get("size") or []),
                "care_instructions": a.get("care_instructions") or "",
                "certifications": "|".join(
                    f"{c.code}:{pc.level}:{pc.expiry.isoformat() if pc.expiry else ''}" for pc, c in certs.get(p.id, [])
                ),
                "variants": "|".join(
                    f"{v.sku}:{v.color or ''}:{v.size or ''}:{'' if v.price_override is None else v.price_override}"
                    for v in variants.get(p.id, [])
                ),
                "meta_title": p.meta_title,
                "meta_description": p.meta_description,
                "slug": p.slug,
                "supplier_id": str(p.supplier_id) if p.supplier_id else "",
            }
        )
    return buf.getvalue()
