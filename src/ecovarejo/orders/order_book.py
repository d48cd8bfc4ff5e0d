"""The payments context's ``OrderBook`` port, provided by orders (see :mod:`.plugin`)."""

from __future__ import annotations

import uuid

from ecovarejo.core.uow import UnitOfWork
from ecovarejo.payments import public as payments

from . import repository as repo


class OrderBookAdapter:
    """The payments context's :class:`~ecovarejo.payments.order_ledger.OrderBook`: who owns an order,
    what it costs and whether it awaits payment (installed by the orders plugin)."""

    async def payable_order(
        self, uow: UnitOfWork, order_id: uuid.UUID, *, lock: bool = False
    ) -> payments.PayableOrder | None:
        order = await (repo.lock_order(uow, order_id) if lock else repo.get_order(uow, order_id))
        if order is None:
            return None
        return payments.PayableOrder(
            id=order.id, user_id=order.user_id, status=order.status, total=order.total_amount, currency=order.currency
        )
