"""All of the ml context's SQL."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, ScalarSelect, Table, distinct, func, insert, literal, select, update

from ecovarejo.core.uow import UnitOfWork

from .models import FraudAssessment, FraudPolicy, MlModel


def add(uow: UnitOfWork, obj: object) -> None:
    uow.session.add(obj)


async def next_version(uow: UnitOfWork, name: str) -> int:
    q = select(func.max(MlModel.version)).where(MlModel.name == name)
    return int(await uow.session.scalar(q) or 0) + 1


async def promoted(uow: UnitOfWork, name: str) -> MlModel | None:
    q = (
        select(MlModel)
        .where(MlModel.name == name, MlModel.promoted.is_(True))
        .order_by(MlModel.version.desc())
        .limit(1)
    )
    return (await uow.session.scalars(q)).first()


async def unpromote_others(uow: UnitOfWork, name: str, keep: uuid.UUID) -> None:
    await uow.session.execute(
        update(MlModel)
        .where(MlModel.name == name, MlModel.id != keep, MlModel.promoted.is_(True))
        .values(promoted=False)
    )


async def list_models(uow: UnitOfWork, name: str | None, limit: int) -> list[MlModel]:
    q = select(MlModel).order_by(MlModel.created_at.desc(), MlModel.version.desc()).limit(limit)
    if name:
        q = q.where(MlModel.name == name)
    return list((await uow.session.scalars(q)).all())


async def latest(uow: UnitOfWork, name: str) -> MlModel | None:
    q = select(MlModel).where(MlModel.name == name).order_by(MlModel.version.desc()).limit(1)
    return (await uow.session.scalars(q)).first()


# --------------------------------------------------------------------------- fraud


async def policy(uow: UnitOfWork) -> FraudPolicy | None:
    return (await uow.session.scalars(select(FraudPolicy).limit(1))).first()


async def velocity(
    uow: UnitOfWork, user_id: uuid.UUID, card_hash: str | None, ip_hash: str | None, day: datetime, month: datetime
) -> tuple[int, int, int, int, int, int]:
    """In one round trip: checkouts in the last day by this account, card and IP; other accounts seen
    on this card and this IP in the last month; the account's past orders."""
    a = FraudAssessment
    zero = literal(0)

    def count(*where: ColumnElement[bool]) -> ScalarSelect[int]:
        return select(func.count()).select_from(a).where(*where).scalar_subquery()

    def accounts(*where: ColumnElement[bool]) -> ScalarSelect[int]:
        return select(func.count(distinct(a.user_id))).select_from(a).where(*where).scalar_subquery()

    row = (
        await uow.session.execute(
            select(
                count(a.user_id == user_id, a.created_at >= day),
                count(a.card_hash == card_hash, a.created_at >= day) if card_hash else zero,
                count(a.ip_hash == ip_hash, a.created_at >= day) if ip_hash else zero,
                accounts(a.card_hash == card_hash, a.user_id != user_id, a.created_at >= month) if card_hash else zero,
                accounts(a.ip_hash == ip_hash, a.user_id != user_id, a.created_at >= month) if ip_hash else zero,
                count(a.user_id == user_id, a.order_id.is_not(None)),
            )
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]), int(row[5])


async def assessment_for_order(uow: UnitOfWork, order_id: uuid.UUID) -> FraudAssessment | None:
    q = select(FraudAssessment).where(FraudAssessment.order_id == order_id).limit(1)
    return (await uow.session.scalars(q)).first()


async def review_queue(uow: UnitOfWork, status: str, limit: int) -> list[FraudAssessment]:
    q = (
        select(FraudAssessment)
        .where(FraudAssessment.review_status == status)
        .order_by(FraudAssessment.created_at.desc())
        .limit(limit)
    )
    return list((await uow.session.scalars(q)).all())


async def claim_review(uow: UnitOfWork, assessment_id: uuid.UUID, to_status: str, actor: str, at: datetime) -> bool:
    """Compare-and-set pending -> approved/rejected: two reviewers cannot both decide."""
    label = 1 if to_status == "rejected" else 0
    res = await uow.session.execute(
        update(FraudAssessment)
        .where(FraudAssessment.id == assessment_id, FraudAssessment.review_status == "pending")
        .values(review_status=to_status, reviewed_by=actor[:100], reviewed_at=at, label=label)
    )
    return bool(getattr(res, "rowcount", 0) == 1)


async def set_label(uow: UnitOfWork, order_id: uuid.UUID, label: int) -> None:
    await uow.session.execute(update(FraudAssessment).where(FraudAssessment.order_id == order_id).values(label=label))


async def training_rows(uow: UnitOfWork, limit: int) -> list[FraudAssessment]:
    q = select(FraudAssessment).where(FraudAssessment.order_id.is_not(None)).order_by(FraudAssessment.created_at)
    return list((await uow.session.scalars(q.limit(limit))).all())


async def insert_assessments(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """Many assessments in one ``executemany`` (the demo's history); rows carry every column but the tenant."""
    for r in rows:
        r["tenant_id"] = uow.tenant_id
    for i in range(0, len(rows), 2000):
        await uow.session.execute(insert(cast(Table, FraudAssessment.__table__)), rows[i : i + 2000])
