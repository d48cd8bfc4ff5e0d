"""What this context's services need besides the unit of work: settings, renderer, channels, dispatcher."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ecovarejo.core.container import Container
from ecovarejo.core.ports import Ports
from ecovarejo.core.settings import Settings

from .channels import Channels
from .rendering import Renderer
from .settings import NotificationSettings

if TYPE_CHECKING:
    from .dispatch import Dispatcher


@dataclass
class NotificationRuntime:
    settings: Settings
    config: NotificationSettings
    renderer: Renderer
    channels: Channels
    dispatcher: Dispatcher
    sender: str
    vapid_public_key: str | None = None
    #: The container's ports, where the owners of contact data plug in (``ports.ContactBook``, ``OrderContacts``).
    ports: Ports | None = None

    @property
    def sender_domain(self) -> str:
        return parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"

    def secret(self) -> str:
        return self.settings.load_secret_key()

    async def aclose(self) -> None:
        await self.dispatcher.aclose()
        await self.channels.aclose()


def default_sender(settings: Settings, config: NotificationSettings) -> str:
    from .channels.email import format_sender

    address = config.mail_from or f"no-reply@{urlsplit(settings.public_url).hostname or 'localhost'}"
    return format_sender(address, config.mail_from_name)


def runtime_of(container: Container) -> NotificationRuntime:
    return container.ports.get(NotificationRuntime)
