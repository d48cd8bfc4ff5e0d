"""SMS and WhatsApp through an HTTP provider (webhook style): one JSON POST per message.

Request: ``POST <provider url>`` with ``Authorization: Bearer <token>`` and
``{"channel": "sms"|"whatsapp", "to": "+5511...", "text": "...", "reference": "<message id>"}``.
A 2xx answer may carry ``{"id": "..."}``; 4xx (but 408/429) is permanent, anything else is retried.
"""

from __future__ import annotations

import httpx

from ecovarejo.core.outbound import OutboundPolicy, outbound_client

from . import DeliveryError, OutgoingMessage


class WebhookTextChannel:
    def __init__(
        self, name: str, url: str, token: str = "", *, timeout: float = 10.0, policy: OutboundPolicy | None = None
    ) -> None:
        self.name = name
        self.url = url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        policy = policy or OutboundPolicy(allow_http=True).trusting(url)  # a URL the operator configured
        self.client = outbound_client(policy, timeout=timeout, headers=headers)

    async def send(self, message: OutgoingMessage) -> str | None:
        payload = {"channel": self.name, "to": message.to, "text": message.text, "reference": str(message.id)}
        try:
            resp = await self.client.post(self.url, json=payload, headers={"Idempotency-Key": str(message.id)})
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{self.name} provider unreachable: {type(exc).__name__}") from exc
        if resp.status_code >= 400:
            permanent = resp.status_code < 500 and resp.status_code not in (408, 429)
            raise DeliveryError(f"{self.name} provider answered {resp.status_code}", permanent=permanent)
        try:
            body = resp.json()
        except ValueError:
            return None
        ident = body.get("id") or body.get("message_id") if isinstance(body, dict) else None
        return str(ident) if ident else None

    async def aclose(self) -> None:
        await self.client.aclose()
