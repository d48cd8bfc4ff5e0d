"""All SQL of the notification context."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select

from ecovarejo.core.models import Tenant
from ecovarejo.core.uow import UnitOfWork

from .models import FINAL_STATUSES, NotificationMessage, Preference, PushSubscription, Recipient, StockSubscription

# -- recipients and preferences -------------------------------------------------------------------


async def get_recipient(uow: UnitOfWork, user_id: uuid.UUID) -> Recipient | None:
    return await uow.session.scalar(select(Recipient).where(Recipient.user_id == user_id))


async def get_tenant(uow: UnitOfWork, tenant_id: uuid.UUID) -> Tenant | None:
    return await uow.session.get(Tenant, tenant_id)


async def list_preferences(uow: UnitOfWork, user_id: uuid.UUID) -> list[Preference]:
    return list((await uow.session.scalars(select(Preference).where(Preference.user_id == user_id))).all())


async def get_preference(uow: UnitOfWork, user_id: uuid.UUID, channel: str) -> Preference | None:
    return await uow.session.scalar(
        select(Preference).where(Preference.user_id == user_id, Preference.channel == channel)
    )


# -- subscriptions ----------------------------------------------------------------------------------


async def list_push_subscriptions(uow: UnitOfWork, user_id: uuid.UUID) -> list[PushSubscription]:
    q = select(PushSubscription).where(PushSubscription.user_id == user_id).order_by(PushSubscription.id)
    return list((await uow.session.scalars(q)).all())


async def get_push_subscription(uow: UnitOfWork, endpoint: str) -> PushSubscription | None:
    return await uow.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))


async def delete_push_subscription(
    uow: UnitOfWork, endpoint: str, *, user_id: uuid.UUID | None = None, tenant_id: uuid.UUID | None = None
) -> int:
    q = delete(PushSubscription).where(PushSubscription.endpoint == endpoint)
    if user_id is not None:
        q = q.where(PushSubscription.user_id == user_id)
    if tenant_id is not None:
        q = q.where(PushSubscription.tenant_id == tenant_id)
    res = await uow.session.execute(q)
    return int(getattr(res, "rowcount", 0) or 0)


async def get_stock_subscription(
    uow: UnitOfWork, user_id: uuid.UUID, product_id: uuid.UUID
) -> StockSubscription | None:
    q = select(StockSubscription).where(
        StockSubscription.user_id == user_id, StockSubscription.product_id == product_id
    )
    return await uow.session.scalar(q)


async def get_stock_subscription_by_id(uow: UnitOfWork, sub_id: uuid.UUID) -> StockSubscription | None:
    return await uow.session.get(StockSubscription, sub_id)


async def list_stock_subscriptions(uow: UnitOfWork, user_id: uuid.UUID) -> list[StockSubscription]:
    q = select(StockSubscription).where(StockSubscription.user_id == user_id).order_by(StockSubscription.id)
    return list((await uow.session.scalars(q)).all())


async def waiting_for_stock(uow: UnitOfWork, product_id: uuid.UUID | None, sku: str | None) -> list[StockSubscription]:
    """Subscriptions not yet notified for this product (or SKU), locked in primary key order."""
    conds = []
    if product_id is not None:
        conds.append(StockSubscription.product_id == product_id)
    if sku:
        conds.append(StockSubscription.sku == sku)
    if not conds:
        return []
    q = (
        select(StockSubscription)
        .where(or_(*conds), StockSubscription.notified_at.is_(None))
        .order_by(StockSubscription.id)
        .with_for_update()
    )
    return list((await uow.session.scalars(q)).all())


async def delete_stock_subscription(uow: UnitOfWork, sub: StockSubscription) -> None:
    await uow.session.delete(sub)


# -- messages ------------------------------------------------------------------------------------


async def message_by_dedupe_key(uow: UnitOfWork, key: str) -> NotificationMessage | None:
    return await uow.session.scalar(select(NotificationMessage).where(NotificationMessage.dedupe_key == key))


async def get_message(uow: UnitOfWork, message_id: uuid.UUID) -> NotificationMessage | None:
    return await uow.session.get(NotificationMessage, message_id)


async def list_messages(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    user_id: uuid.UUID | None = None,
    before: uuid.UUID | None = None,
    limit: int = 50,
) -> list[NotificationMessage]:
    q = select(NotificationMessage).order_by(NotificationMessage.id.desc()).limit(limit)
    if status:
        q = q.where(NotificationMessage.status == status)
    if user_id:
        q = q.where(NotificationMessage.user_id == user_id)
    if before:
        q = q.where(NotificationMessage.id < before)
    return list((await uow.session.scalars(q)).all())


async def claim_due(
    uow: UnitOfWork, now: datetime, *, limit: int, lease_until: datetime
) -> Sequence[NotificationMessage]:
    """Due messages (and ones whose claim lapsed), locked so that concurrent dispatchers skip them."""
    q = (
        select(NotificationMessage)
        .where(
            or_(
                and_(
                    NotificationMessage.status.in_(("pending", "retrying")),
                    NotificationMessage.next_attempt_at <= now,
                ),
                and_(NotificationMessage.status == "sending", NotificationMessage.lease_until < now),
            )
        )
        .order_by(NotificationMessage.next_attempt_at, NotificationMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (await uow.session.scalars(q)).all()
    for row in rows:
        row.status = "sending"
        row.lease_until = lease_until
        row.attempts += 1
    return rows


async def next_due_at(uow: UnitOfWork) -> datetime | None:
    q = select(func.min(NotificationMessage.next_attempt_at)).where(
        NotificationMessage.status.in_(("pending", "retrying"))
    )
    return await uow.session.scalar(q)


async def purge_messages(uow: UnitOfWork, before: datetime) -> int:
    q = delete(NotificationMessage).where(
        NotificationMessage.status.in_(FINAL_STATUSES),
        NotificationMessage.created_at < before,
    )
    res = await uow.session.execute(q)
    return int(getattr(res, "rowcount", 0) or 0)


async def email_message_ids(uow: UnitOfWork, user_id: uuid.UUID) -> set[str]:
    """Ids of the e-mails recorded for a user (their files in the embedded mail folder carry the id)."""
    rows = await uow.session.scalars(
        select(NotificationMessage.id).where(
            NotificationMessage.user_id == user_id, NotificationMessage.channel == "email"
        )
    )
    return {str(r) for r in rows}
