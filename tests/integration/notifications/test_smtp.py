"""Email over a real SMTP server (aiosmtpd on localhost): headers, language, content, exactly-once, retries,
dead letters, TLS options and per-recipient caps."""

from __future__ import annotations

import ssl
import uuid

from aiosmtpd.controller import Controller

from ecovarejo.core.events import Event
from ecovarejo.notifications import service
from tests.conftest import REDIS_URL, needs_redis
from tests.support import eventually

from .conftest import SmtpHandler, free_port, self_signed, smtp_authenticator
from .events_data import order, reset


async def test_order_confirmation_in_portuguese(smtp_server, envs, notif_env) -> None:
    notif_env(smtp_url=smtp_server.url, smtp_tls="none", mail_from="loja@ecovarejo.example")
    env = await envs()
    user = uuid.uuid4()
    await env.emit("order-events", "order.placed", order(user))
    [msg] = await env.settle(1)
    assert msg.status == "sent" and msg.attempts == 1 and msg.template == "order_confirmation"
    await eventually(lambda: len(smtp_server.handler.messages) == 1)
    mail = smtp_server.handler.messages[0]
    assert mail["From"].addresses[0].addr_spec == "loja@ecovarejo.example"
    assert mail["To"] == "ana@example.com"
    assert smtp_server.handler.envelopes[0] == ("loja@ecovarejo.example", ["ana@example.com"])
    assert mail["Subject"] == "Pedido EV-2026-000123 confirmado"
    assert mail["Message-ID"] == f"<{msg.id}@ecovarejo.example>" == msg.provider_id
    assert mail["Content-Language"] == "pt-BR"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe"] is None  # transactional
    assert mail.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in mail.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Olá, Ana!" in text
    assert "Pegada de carbono do pedido: 3,46 kg CO2e" in text
    assert "Total: R$ 1.234,50" in text and "R$ 19,90" in text
    assert "Escova de bambu <eco>" in text  # plain text is not HTML-escaped
    assert "Escova de bambu &lt;eco&gt;" in html and "<eco>" not in html  # HTML is
    assert '<html lang="pt-BR">' in html and "3,46 kg CO2e" in html


async def test_order_confirmation_in_english(smtp_server, envs, notif_env) -> None:
    notif_env(smtp_url=smtp_server.url, smtp_tls="none")
    env = await envs()
    await env.emit("order-events", "order.placed", order(uuid.uuid4(), locale="en-US"))
    await env.settle(1)
    await eventually(lambda: len(smtp_server.handler.messages) == 1)
    mail = smtp_server.handler.messages[0]
    assert mail["Subject"] == "Order EV-2026-000123 confirmed"
    assert mail["Content-Language"] == "en"
    text = mail.get_body(("plain",)).get_content()
    assert "Hello Ana," in text and "Carbon footprint of this order: 3.46 kg CO2e" in text
    assert "R$ 1.234,50" in text


async def test_duplicate_event_sends_one_message(smtp_server, envs, notif_env) -> None:
    notif_env(smtp_url=smtp_server.url, smtp_tls="none")
    env = await envs()
    event_id = await env.emit("user-events", "user.password_reset_requested", reset(uuid.uuid4()))
    await env.settle(1)
    # The broker redelivers the same event (at-least-once), twice.
    async with env.container.db.system_session() as s:
        from ecovarejo.core.models import OutboxEvent

        row = await s.get(OutboxEvent, event_id)
    for _ in range(2):
        await env.container.bus.publish("user-events", row.envelope)
    await env.rt.dispatcher.idle()
    msgs = await env.settle(1)
    assert len(msgs) == 1 and msgs[0].status == "sent"
    assert len(smtp_server.handler.messages) == 1
    assert smtp_server.handler.messages[0]["Subject"] == "Redefinição de senha"


async def test_nothing_is_sent_for_a_rolled_back_transaction(smtp_server, envs, notif_env) -> None:
    notif_env(smtp_url=smtp_server.url, smtp_tls="none")
    env = await envs()
    # A producer's transaction that rolls back: its event never leaves the outbox.
    async with env.container.uow(env.tenant) as uow:
        uow.emit("user-events", "user.password_reset_requested", reset(uuid.uuid4()))
        await uow.rollback()
    # A consumer's transaction that fails after recording the message: the message goes with it.
    async with env.container.uow(env.tenant) as uow:
        await service.request_notification(
            uow,
            env.rt,
            service.Request(template="password_reset", context=reset(uuid.uuid4()), to_email="bia@example.com"),
        )
        await uow.rollback()
    # A committed one, afterwards, is the only mail the server gets.
    await env.emit("user-events", "user.password_reset_requested", reset(uuid.uuid4(), email="caio@example.com"))
    msgs = await env.settle(1)
    assert [m.to_address for m in msgs] == ["caio@example.com"]
    await env.rt.dispatcher.run_once()
    assert [m["To"] for m in smtp_server.handler.messages] == ["caio@example.com"]


async def test_temporary_smtp_failures_are_retried(smtp_server, envs, notif_env) -> None:
    smtp_server.handler.fail_times = 2
    notif_env(smtp_url=smtp_server.url, smtp_tls="none")
    env = await envs()
    await env.emit("user-events", "user.password_reset_requested", reset(uuid.uuid4()))
    [msg] = await env.settle(1)
    assert msg.status == "sent" and msg.attempts == 3 and msg.last_error is None
    assert smtp_server.handler.attempts == 3 and len(smtp_server.handler.messages) == 1


async def test_failing_smtp_server_ends_in_dead_letters_then_admin_retries(smtp_server, envs, notif_env) -> None:
    smtp_server.handler.fail_times = 10**6
    notif_env(smtp_url=smtp_server.url, smtp_tls="none", notify_max_attempts=3)
    env = await envs()
    await env.emit("user-events", "user.password_reset_requested", reset(uuid.uuid4()))
    [msg] = await env.settle(1)
    assert msg.status == "dead" and msg.attempts == 3 and "451" in msg.last_error
    assert smtp_server.handler.attempts == 3 and smtp_server.handler.messages == []

    admin = env.auth("admin")
    r = await env.client.get("/api/v1/admin/notifications/messages?status=dead", headers=admin)
    assert r.status_code == 200
    [item] = r.json()["items"]
    assert item["id"] == str(msg.id) and item["attempts"] == 3 and item["template"] == "password_reset"
    r = await env.client.get("/api/v1/admin/notifications/messages?status=dead", headers=env.auth("customer"))
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    r = await env.client.get("/api/v1/admin/notifications/messages?status=bogus", headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "unknown_status"

    smtp_server.handler.fail_times = 0  # the server is fixed
    r = await env.client.post(f"/api/v1/admin/notifications/messages/{msg.id}/retry", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "pending"
    [msg] = await env.settle(1)
    assert msg.status == "sent" and len(smtp_server.handler.messages) == 1
    r = await env.client.post(f"/api/v1/admin/notifications/messages/{msg.id}/retry", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "message_not_dead"


async def test_permanent_refusal_is_not_retried(smtp_server, envs, notif_env) -> None:
    smtp_server.handler.fail_times = 10**6
    smtp_server.handler.fail_code = "550 5.1.1 No such user"
    notif_env(smtp_url=smtp_server.url, smtp_tls="none")
    env = await envs()
    await env.emit("user-events", "user.password_reset_requested", reset(uuid.uuid4()))
    [msg] = await env.settle(1)
    assert msg.status == "dead" and msg.attempts == 1 and "550" in msg.last_error


async def test_unreachable_smtp_server_is_retried_then_dead(envs, notif_env) -> None:
    notif_env(smtp_url=f"smtp://127.0.0.1:{free_port()}", smtp_tls="none", notify_max_attempts=2, smtp_timeout=5)
    env = await envs()
    await env.emit("user-events", "user.password_reset_requested", reset(uuid.uuid4()))
    [msg] = await env.settle(1)
    assert msg.status == "dead" and msg.attempts == 2 and "unavailable" in msg.last_error


async def test_starttls_with_authentication(tmp_path, envs, notif_env) -> None:
    cert, key = self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    handler = SmtpHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=tls,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=smtp_authenticator("loja", "s3cr3t p@ss"),
    )
    controller.start()
    try:
        notif_env(smtp_url=f"smtp://loja:s3cr3t%20p%40ss@127.0.0.1:{port}", smtp_tls="starttls", smtp_ca_file=cert)
        env = await envs()
        await env.emit("user-events", "user.password_reset_requested", reset(uuid.uuid4()))
        [msg] = await env.settle(1)
        assert msg.status == "sent", msg.last_error
        assert len(handler.messages) == 1 and handler.messages[0]["Subject"] == "Redefinição de senha"
    finally:
        controller.stop()


async def test_implicit_tls_refuses_an_untrusted_certificate_then_works_with_its_ca(tmp_path, envs, notif_env) -> None:
    cert, key = self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    handler = SmtpHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=tls)
    controller.start()
    try:
        # Certificates are verified by default: a self-signed one without its CA is refused (and retried).
        notif_env(smtp_url=f"smtps://127.0.0.1:{port}", notify_max_attempts=1)
        env = await envs()
        await env.emit("user-events", "user.password_reset_requested", reset(uuid.uuid4()))
        [msg] = await env.settle(1)
        assert msg.status == "dead" and handler.messages == []
        await env.container.stop()  # its dispatcher (without the CA) must not take the next message

        notif_env(smtp_ca_file=cert)
        env2 = await envs()
        await env2.emit("user-events", "user.password_reset_requested", reset(uuid.uuid4()))
        msgs = await env2.settle(2)
        assert msgs[-1].status == "sent", msgs[-1].last_error
        assert len(handler.messages) == 1
    finally:
        controller.stop()


async def _flood(env, smtp_server) -> list:
    user = uuid.uuid4()
    for _ in range(5):
        await env.emit("user-events", "user.password_reset_requested", reset(user, email="victim@example.com"))
    await env.emit("user-events", "user.password_reset_requested", reset(user, email="other@example.com"))
    return await env.settle(6)


async def test_rate_cap_per_recipient_in_process(smtp_server, envs, notif_env) -> None:
    notif_env(smtp_url=smtp_server.url, smtp_tls="none", notify_rate_limit=3)
    env = await envs()
    msgs = await _flood(env, smtp_server)
    victim = [m.status for m in msgs if m.to_address == "victim@example.com"]
    assert sorted(victim) == ["rate_limited", "rate_limited", "sent", "sent", "sent"]
    assert [m.status for m in msgs if m.to_address == "other@example.com"] == ["sent"]
    assert sum(1 for m in smtp_server.handler.messages if m["To"] == "victim@example.com") == 3


@needs_redis
async def test_rate_cap_per_recipient_in_redis(smtp_server, envs, notif_env) -> None:
    notif_env(smtp_url=smtp_server.url, smtp_tls="none", notify_rate_limit=3)
    env = await envs(redis_url=REDIS_URL)
    assert env.container.redis is not None
    msgs = await _flood(env, smtp_server)
    assert sum(1 for m in msgs if m.status == "sent" and m.to_address == "victim@example.com") == 3
    assert sum(1 for m in msgs if m.status == "rate_limited") == 2
    # The counter is shared through Redis: a second process (container) sees the same cap.
    env2 = await envs(redis_url=REDIS_URL)
    async with env2.container.uow(env.tenant) as uow:
        await service.request_notification(
            uow,
            env2.rt,
            service.Request(template="password_reset", context=reset(uuid.uuid4()), to_email="victim@example.com"),
        )
        await uow.commit()
    await env2.rt.dispatcher.idle()
    msgs = await env.settle(7)
    assert sum(1 for m in msgs if m.status == "rate_limited") == 3


def test_event_type_is_short() -> None:
    assert Event(topic="order-events", type="order.placed", data={}, tenant_id=None).envelope()["type"] == (
        "ecovarejo.order.placed"
    )


async def test_consumer_failing_after_recording_a_message_sends_once_after_its_retry(
    smtp_server, envs, notif_env
) -> None:
    from ecovarejo.core.consumers import Consumer

    notif_env(smtp_url=smtp_server.url, smtp_tls="none")
    env = await envs()
    calls: list[int] = []

    async def flaky(uow, event) -> None:
        await service.request_notification(
            uow,
            env.rt,
            service.Request(
                template="password_reset", context=reset(uuid.uuid4()), to_email="dup@example.com", event_id=event.id
            ),
        )
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the consumer's transaction fails after recording the message")

    env.container.bus.subscribe(Consumer("test.flaky", ("order-events",), flaky))
    await env.emit("order-events", "order.delivered", order(uuid.uuid4(), email="other@example.com"))
    await eventually(lambda: len(calls) == 2)
    msgs = await env.settle(2)
    flaky_msgs = [m for m in msgs if m.to_address == "dup@example.com"]
    assert len(flaky_msgs) == 1 and flaky_msgs[0].status == "sent"
    assert sorted(m["To"] for m in smtp_server.handler.messages) == ["dup@example.com", "other@example.com"]
