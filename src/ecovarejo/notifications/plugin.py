"""The notification context plugged into the platform: adapters for the run mode, consumers, API, jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from ecovarejo.core.container import Container
from ecovarejo.core.db import utcnow
from ecovarejo.core.outbound import policy_of
from ecovarejo.core.plugins import ContextSpec

from . import models as _models  # noqa: F401  (its tables on the shared metadata: Alembic, tests)
from . import repository as repo
from .channels import Channel, Channels
from .channels.email import SmtpChannel
from .channels.outbox import OutboxFolderChannel
from .channels.push import WebPushChannel, load_vapid
from .channels.webhook import WebhookTextChannel
from .dispatch import Dispatcher
from .events import consumers
from .personal_data import DECLARATION as PERSONAL_DATA
from .ratelimit import InProcessRateLimiter, RedisRateLimiter
from .rendering import Renderer
from .runtime import NotificationRuntime, default_sender, runtime_of
from .settings import NotificationSettings

if TYPE_CHECKING:
    from fastapi import APIRouter


def install(container: Container) -> None:
    settings = container.settings
    config = container.ports.get(NotificationSettings)  # injected by bootstrap
    sender = default_sender(settings, config)
    adapters: dict[str, Channel] = {}
    if config.smtp_url:
        adapters["email"] = SmtpChannel(
            config.smtp_url,
            sender,
            tls=config.smtp_tls,
            verify_tls=config.smtp_verify_tls,
            ca_file=str(config.smtp_ca_file) if config.smtp_ca_file else None,
            timeout=config.smtp_timeout,
        )
    else:
        adapters["email"] = OutboxFolderChannel(settings.data_dir / "mail-outbox", sender)
    if config.sms_provider_url:
        adapters["sms"] = WebhookTextChannel(
            "sms", config.sms_provider_url, config.sms_provider_token, timeout=config.provider_timeout,
            policy=policy_of(settings, config.sms_provider_url),
        )  # fmt: skip
    if config.whatsapp_provider_url:
        adapters["whatsapp"] = WebhookTextChannel(
            "whatsapp", config.whatsapp_provider_url, config.whatsapp_provider_token, timeout=config.provider_timeout,
            policy=policy_of(settings, config.whatsapp_provider_url),
        )  # fmt: skip
    vapid = load_vapid(config.vapid_private_key_file or settings.data_dir / "vapid_private.pem")
    push = WebPushChannel(
        vapid,
        config.vapid_subject or f"mailto:{sender.rpartition('<')[2].rstrip('>')}",
        ttl=config.push_ttl,
        policy=policy_of(settings),
    )
    adapters["push"] = push
    channels = Channels(adapters)
    limiter = (
        RedisRateLimiter(container.redis, config.notify_rate_limit, config.notify_rate_window)
        if container.redis is not None
        else InProcessRateLimiter(config.notify_rate_limit, config.notify_rate_window)
    )
    container.ports.provide(
        NotificationRuntime,
        NotificationRuntime(
            settings=settings,
            config=config,
            renderer=Renderer(),
            channels=channels,
            dispatcher=Dispatcher(container.db, channels, limiter, config, tasks=container.tasks),
            sender=sender,
            vapid_public_key=push.public_key,
            ports=container.ports,
        ),
    )


async def dispatch_job(container: Container) -> None:
    """Workers: send what fell due (retries, messages of a process that stopped before sending)."""
    rt = runtime_of(container)
    while await rt.dispatcher.run_once():
        pass


async def purge_job(container: Container) -> None:
    """Workers: delete finished messages older than the retention period (LGPD: keep no more than needed)."""
    rt = runtime_of(container)
    cutoff = utcnow() - timedelta(days=rt.config.notify_retention_days)
    async with container.uow(None, actor="retention") as uow:  # across tenants
        await repo.purge_messages(uow, cutoff)
        await uow.commit()


def _routers() -> list[APIRouter]:
    """Imported when a process serves the API, not by a one-off command."""
    from .api import router

    return [router]


CONTEXT = ContextSpec(
    name="notifications",
    routers=_routers,
    install=install,
    settings=(NotificationSettings,),
    consumers=consumers,
    jobs=[("notifications.dispatch", 5.0, dispatch_job), ("notifications.purge", 3600.0, purge_job)],
    personal_data=PERSONAL_DATA,
)
