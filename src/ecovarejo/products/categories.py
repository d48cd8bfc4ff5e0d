"""The category tree: reads (the whole tree, one by slug) and the staff's writes."""

from __future__ import annotations

import uuid
from typing import Any

from ecovarejo.core.auth import Principal
from ecovarejo.core.errors import Conflict, InvalidInput, NotFound
from ecovarejo.core.uow import UnitOfWork

from . import repository as repo
from .common import check_staff, slugify
from .models import Category
from .schemas import CategoryIn, CategoryOut, CategoryPatch


async def category_tree(uow: UnitOfWork) -> tuple[dict[uuid.UUID, Category], dict[uuid.UUID | None, list[Category]]]:
    cats = await repo.all_categories(uow)
    by_id = {c.id: c for c in cats}
    children: dict[uuid.UUID | None, list[Category]] = {}
    for c in cats:
        children.setdefault(c.parent_id, []).append(c)
    return by_id, children


def category_path(by_id: dict[uuid.UUID, Category], cid: uuid.UUID | None) -> list[Category]:
    out: list[Category] = []
    seen: set[uuid.UUID] = set()
    while cid is not None and cid in by_id and cid not in seen:
        seen.add(cid)
        out.append(by_id[cid])
        cid = by_id[cid].parent_id
    return list(reversed(out))


def descendants(children: dict[uuid.UUID | None, list[Category]], root: uuid.UUID) -> list[uuid.UUID]:
    out, stack = [], [root]
    while stack:
        cid = stack.pop()
        out.append(cid)
        stack.extend(c.id for c in children.get(cid, []))
    return out


def _cat_out(c: Category, children: dict[uuid.UUID | None, list[Category]]) -> CategoryOut:
    return CategoryOut(
        id=c.id,
        slug=c.slug,
        name=c.name,
        description=c.description,
        parent_id=c.parent_id,
        position=c.position,
        children=[_cat_out(k, children) for k in children.get(c.id, [])],
    )


async def list_categories(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The category tree (roots with nested ``children``)."""
    _, children = await category_tree(uow)
    return [_cat_out(c, children).model_dump(mode="json") for c in children.get(None, [])]


async def get_category_by_slug(uow: UnitOfWork, slug: str) -> dict[str, Any] | None:
    c = await repo.category_by_slug(uow, slug)
    if c is None:
        return None
    _, children = await category_tree(uow)
    return _cat_out(c, children).model_dump(mode="json")


async def create_category(uow: UnitOfWork, data: CategoryIn, actor: Principal | None = None) -> CategoryOut:
    check_staff(actor)
    slug = data.slug or slugify(data.name)
    if await repo.category_by_slug(uow, slug):
        raise Conflict(f"category slug {slug!r} exists", code="category_slug_taken")
    if data.parent_id and await repo.category(uow, data.parent_id) is None:
        raise InvalidInput("parent category not found", code="unknown_category")
    c = Category(
        slug=slug, name=data.name, parent_id=data.parent_id, description=data.description, position=data.position
    )
    repo.add(uow, c)
    await uow.flush()
    await repo.bump_version(uow)
    return _cat_out(c, {})


async def update_category(
    uow: UnitOfWork, category_id: uuid.UUID, data: CategoryPatch, actor: Principal | None = None
) -> CategoryOut:
    check_staff(actor)
    c = await repo.category(uow, category_id)
    if c is None:
        raise NotFound("category not found", code="category_not_found")
    fields = data.model_dump(exclude_unset=True)
    if "slug" in fields and fields["slug"] and fields["slug"] != c.slug:
        if await repo.category_by_slug(uow, fields["slug"]):
            raise Conflict("category slug exists", code="category_slug_taken")
    if "parent_id" in fields and fields["parent_id"] is not None:
        by_id, children = await category_tree(uow)
        if fields["parent_id"] not in by_id:
            raise InvalidInput("parent category not found", code="unknown_category")
        if fields["parent_id"] in descendants(children, c.id):
            raise InvalidInput("a category cannot move under itself", code="category_cycle")
    for k, v in fields.items():
        if v is not None or k == "parent_id":
            setattr(c, k, v)
    await uow.flush()
    await repo.bump_version(uow)
    _, children = await category_tree(uow)
    return _cat_out(c, children)


async def delete_category(uow: UnitOfWork, category_id: uuid.UUID, actor: Principal | None = None) -> None:
    check_staff(actor)
    c = await repo.category(uow, category_id)
    if c is None:
        raise NotFound("category not found", code="category_not_found")
    if await repo.category_in_use(uow, c.id):
        raise Conflict("the category has subcategories or products", code="category_in_use")
    await uow.session.delete(c)
    await uow.flush()
    await repo.bump_version(uow)
