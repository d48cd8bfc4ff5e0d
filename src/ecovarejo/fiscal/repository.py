"""All SQL of the fiscal context."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ecovarejo.core.uow import UnitOfWork

from .models import ProductFiscal, TaxSettings


async def settings(uow: UnitOfWork) -> TaxSettings | None:
    return await uow.session.scalar(select(TaxSettings))


async def products(uow: UnitOfWork, skus: Iterable[str]) -> list[ProductFiscal]:
    wanted = sorted(set(skus))
    if not wanted:
        return []
    return list((await uow.session.scalars(select(ProductFiscal).where(ProductFiscal.sku.in_(wanted)))).all())


async def product(uow: UnitOfWork, sku: str) -> ProductFiscal | None:
    return await uow.session.scalar(select(ProductFiscal).where(ProductFiscal.sku == sku))


async def list_products(uow: UnitOfWork, limit: int, after: str | None) -> list[ProductFiscal]:
    q = select(ProductFiscal).order_by(ProductFiscal.sku).limit(limit)
    if after:
        q = q.where(ProductFiscal.sku > after)
    return list((await uow.session.scalars(q)).all())


def add(uow: UnitOfWork, obj: object) -> None:
    uow.session.add(obj)


async def delete(uow: UnitOfWork, obj: object) -> None:
    await uow.session.delete(obj)
