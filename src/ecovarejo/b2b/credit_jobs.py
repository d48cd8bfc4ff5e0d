"""The overdue job of invoiced terms and the consumer that pays instalments from captured boletos."""

from __future__ import annotations

import uuid

import structlog

from ecovarejo.core.consumers import Consumer
from ecovarejo.core.container import Container
from ecovarejo.core.events import Event
from ecovarejo.core.uow import UnitOfWork
from ecovarejo.notifications import public as notifications
from ecovarejo.users import public as users

from . import credit
from . import credit_repository as repo
from .credit_models import TERMS

log = structlog.get_logger("ecovarejo.b2b.credit")


async def on_payment_captured(uow: UnitOfWork, event: Event) -> None:
    """A boleto of an instalment was paid (its ``payment.captured`` has no order): the instalment is paid
    and the company's open balance shrinks by it."""
    if event.data.get("order_id") or not event.data.get("payment_id"):
        return
    await credit.settle_payment(uow, uuid.UUID(str(event.data["payment_id"])), event.time)


def consumers(_container: Container) -> list[Consumer]:
    return [Consumer("b2b-instalment-paid", ("payment-events",), on_payment_captured, frozenset({"payment.captured"}))]


async def notify_overdue(container: Container) -> int:
    """Job: tell each company once about each overdue instalment (e-mail to its administrators and to the
    buyer who placed the order); the block on new orders on terms needs no job (checkout reads it).
    Returns how many instalments it told about."""
    now = container.now()
    today = credit.local_today(now)
    async with container.uow(None, read_only=True) as sys_uow:
        tenants = await repo.tenants_with_overdue(sys_uow, today)
    told = 0
    for tenant_id in tenants:
        async with container.uow(tenant_id, actor="system:b2b") as uow:
            for part, inv in await repo.overdue_unnotified(uow, today):
                recipients = {inv.buyer_id} | {
                    c.user_id for c in await users.company_contacts(uow, inv.company_id) if c.is_admin
                }
                context = {"order_number": inv.order_number, "po_number": inv.po_number or "",
                           "number": part.number, "count": len(TERMS.get(inv.terms, (1,))),
                           "amount": str(part.amount), "due_on": part.due_on.isoformat(),
                           "boleto_line": part.boleto_line}  # fmt: skip
                for user_id in sorted(recipients):
                    await notifications.request_notification(container, uow, notifications.Request(
                        template="invoice_overdue", context=context, user_id=user_id,
                        cause=f"invoice_overdue:{part.id}:{user_id}",
                    ))  # fmt: skip
                part.overdue_notified_at = now
                told += 1
            await uow.commit()
    if told:
        log.info("instalments_overdue_notified", count=told)
    return told


async def overdue_job(container: Container) -> None:
    await notify_overdue(container)
