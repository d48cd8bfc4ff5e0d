"""The channel port: every way of reaching a person (email, SMS, WhatsApp, Web Push) behind one interface.

An adapter's ``send`` delivers one rendered message and returns the provider's id for it; it raises
:class:`DeliveryError` with ``permanent=True`` when trying again cannot help (a refused address, an
expired push subscription), and with ``permanent=False`` when a later attempt may succeed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, gone: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent or gone
        #: The address no longer exists (a push subscription the browser dropped): forget it.
        self.gone = gone


@dataclass(frozen=True)
class OutgoingMessage:
    id: uuid.UUID
    tenant_id: uuid.UUID
    channel: str
    to: str
    subject: str
    text: str
    html: str | None
    locale: str
    category: str
    headers: dict[str, Any] = field(default_factory=dict)


class Channel(Protocol):
    name: str

    async def send(self, message: OutgoingMessage) -> str | None: ...

    async def aclose(self) -> None: ...


class Channels:
    """The adapters installed for this run mode, by channel name; a missing one means the channel is off."""

    def __init__(self, adapters: dict[str, Channel] | None = None) -> None:
        self.adapters: dict[str, Channel] = dict(adapters or {})

    def get(self, name: str) -> Channel | None:
        return self.adapters.get(name)

    def enabled(self, name: str) -> bool:
        return name in self.adapters

    async def aclose(self) -> None:
        for adapter in self.adapters.values():
            await adapter.aclose()
