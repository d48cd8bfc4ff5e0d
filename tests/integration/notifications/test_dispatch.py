"""The dispatcher in a worker: due messages are sent by the periodic job, and a claim whose process died
(lease lapsed) is taken over; a message is never sent by two dispatchers at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from ecovarejo.core.db import utcnow
from ecovarejo.notifications import service
from ecovarejo.notifications.plugin import dispatch_job

from .events_data import reset


async def _record(env, email: str) -> uuid.UUID:
    async with env.container.uow(env.tenant) as uow:
        [msg] = await service.request_notification(
            uow, env.rt, service.Request(template="password_reset", context=reset(uuid.uuid4()), to_email=email)
        )
        await uow.commit()
    return msg.id


async def test_worker_job_sends_due_and_abandoned_messages(smtp_server, envs, notif_env) -> None:
    notif_env(smtp_url=smtp_server.url, smtp_tls="none")
    env = await envs()
    await env.rt.dispatcher.aclose()  # this process stopped before sending: a worker must do it
    first = await _record(env, "a@example.com")
    second = await _record(env, "b@example.com")
    # ``second`` was claimed by a dispatcher that died mid-send: its lease lapsed.
    async with env.container.db.system_session() as s:
        from ecovarejo.notifications.models import NotificationMessage

        row = await s.get(NotificationMessage, second)
        row.status, row.attempts, row.lease_until = "sending", 1, utcnow() - timedelta(seconds=1)
        await s.commit()
    worker = await envs()  # another process, same database
    await dispatch_job(worker.container)
    msgs = {m.id: m for m in await env.messages()}
    assert msgs[first].status == "sent" and msgs[first].attempts == 1
    assert msgs[second].status == "sent" and msgs[second].attempts == 2
    assert sorted(m["To"] for m in smtp_server.handler.messages) == ["a@example.com", "b@example.com"]


async def test_concurrent_dispatchers_send_each_message_once(smtp_server, envs, notif_env) -> None:
    notif_env(smtp_url=smtp_server.url, smtp_tls="none", notify_rate_limit=100)
    env = await envs()
    await env.rt.dispatcher.aclose()
    for i in range(12):
        await _record(env, f"c{i}@example.com")
    others = [await envs() for _ in range(2)]
    await asyncio.gather(*(dispatch_job(o.container) for o in [*others, env]))
    msgs = await env.messages()
    assert len(msgs) == 12 and all(m.status == "sent" and m.attempts == 1 for m in msgs)
    assert len(smtp_server.handler.messages) == 12


async def test_purge_job_deletes_finished_messages_past_retention(envs, notif_env) -> None:
    notif_env(notify_retention_days=30)
    env = await envs()
    old = await _record(env, "old@example.com")
    recent = await _record(env, "recent@example.com")
    await env.settle(2)
    from ecovarejo.notifications.models import NotificationMessage
    from ecovarejo.notifications.plugin import purge_job

    async with env.container.db.system_session() as s:
        row = await s.get(NotificationMessage, old)
        row.created_at = utcnow() - timedelta(days=31)
        await s.commit()
    await purge_job(env.container)
    assert [m.id for m in await env.messages()] == [recent]


async def test_a_mail_in_flight_during_erasure_leaves_no_copy(envs) -> None:
    """LGPD: the recipient is erased while their message is being written (claimed before the erasure
    committed): the erasure forgot the copies it saw, the dispatcher forgets the one it writes afterwards."""
    from ecovarejo.notifications.channels.outbox import OutboxFolderChannel
    from ecovarejo.notifications.models import NotificationMessage

    env = await envs()
    await env.rt.dispatcher.aclose()
    msg_id = await _record(env, "gone@example.com")
    mail = env.rt.channels.get("email")
    assert isinstance(mail, OutboxFolderChannel)
    send = mail.send

    async def erased_meanwhile(message):  # type: ignore[no-untyped-def]
        async with env.container.db.system_session() as s:  # the erasure commits first...
            await s.delete(await s.get(NotificationMessage, msg_id))
            await s.commit()
        mail.forget(env.tenant, {str(msg_id)})  # ...and forgets the copies that exist by then
        return await send(message)  # then the claimed message is written

    mail.send = erased_meanwhile  # type: ignore[method-assign]
    await dispatch_job(env.container)
    assert await env.messages() == []
    folder = mail.folder(env.tenant)
    assert not folder.is_dir() or [p.name for p in folder.iterdir() if str(msg_id) in p.name] == []
