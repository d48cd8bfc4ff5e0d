"""Web Push for the installed PWA: payloads encrypted (RFC 8291, aes128gcm) and signed with VAPID (RFC 8292)
by pywebpush. The VAPID key pair is configured or generated once into DATA_DIR."""

from __future__ import annotations

import base64
import json
import socket
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid

from ecovarejo.core.outbound import OutboundPolicy, UnsafeDestination

from . import DeliveryError, OutgoingMessage


def load_vapid(path: Path) -> Vapid:
    """The VAPID key in ``path``, generated (P-256, mode 0600) when the file does not exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        vapid = Vapid()
        vapid.generate_keys()
        vapid.save_key(str(path))
        path.chmod(0o600)
    return Vapid.from_file(str(path))


def public_key_b64(vapid: Vapid) -> str:
    """The ``applicationServerKey`` a browser subscribes with: the raw P-256 point, base64url."""
    raw = vapid.public_key.public_bytes(
        encoding=serialization.Encoding.X962, format=serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@cache
def _safe_resolver_class() -> type[Any]:
    """aiohttp is imported when the first push is sent, not when the process starts (it and pywebpush
    cost ~1 s of a worker's start for a channel most processes never use)."""
    from aiohttp.abc import AbstractResolver

    class SafeResolver(AbstractResolver):
        """aiohttp connects only to the addresses the outbound policy checked (no DNS rebinding)."""

        def __init__(self, policy: OutboundPolicy) -> None:
            self.policy = policy

        async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[Any]:
            address = await self.policy.address(host, port)  # the caller checked the URL's scheme
            fam = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [{"hostname": host, "host": address, "port": port, "family": fam, "proto": 0,
                     "flags": socket.AI_NUMERICHOST}]  # fmt: skip

        async def close(self) -> None:
            return None

    return SafeResolver


class WebPushChannel:
    name = "push"

    def __init__(
        self,
        vapid: Vapid,
        subject: str,
        *,
        ttl: int = 86400,
        timeout: float = 10.0,
        policy: OutboundPolicy | None = None,
    ) -> None:
        #: Subscriptions are URLs given by users: sent only to public addresses (core/outbound.py).
        self.policy = policy or OutboundPolicy()
        self.vapid = vapid
        self.subject = subject
        self.ttl = ttl
        self.timeout = timeout

    @property
    def public_key(self) -> str:
        return public_key_b64(self.vapid)

    async def send(self, message: OutgoingMessage) -> str | None:
        keys = message.headers.get("keys") or {}
        subscription = {
            "endpoint": message.to,
            "keys": {"p256dh": keys.get("p256dh", ""), "auth": keys.get("auth", "")},
        }
        payload = json.dumps(
            {
                "title": message.subject,
                "body": message.text,
                "url": message.headers.get("url"),
                "tag": message.headers.get("tag"),
                "lang": message.locale,
            },
            ensure_ascii=False,
        )
        origin = urlsplit(message.to)
        claims: dict[str, str | int] = {"sub": self.subject, "aud": f"{origin.scheme}://{origin.netloc}"}
        try:
            await self.policy.check(message.to)
        except UnsafeDestination as exc:
            raise DeliveryError(f"push endpoint refused: {exc.detail}", permanent=True) from exc
        import aiohttp
        from pywebpush import WebPushException, webpush_async

        connector = aiohttp.TCPConnector(resolver=_safe_resolver_class()(self.policy))  # connects to checked addresses
        try:
            async with aiohttp.ClientSession(connector=connector) as session:
                resp = await webpush_async(
                    subscription,
                    data=payload,
                    vapid_private_key=self.vapid,
                    vapid_claims=claims,
                    ttl=self.ttl,
                    timeout=self.timeout,
                    aiohttp_session=session,
                )
        except WebPushException as exc:
            status = exc.status_code
            if status in (404, 410):
                raise DeliveryError(f"push subscription gone ({status})", gone=True) from exc
            # No status: pywebpush refused the subscription's keys before sending; that will not change.
            permanent = status is None or (400 <= status < 500 and status not in (408, 429))
            raise DeliveryError(f"push service refused: {status}", permanent=permanent) from exc
        except Exception as exc:  # aiohttp connection errors, timeouts
            raise DeliveryError(f"push service unreachable: {type(exc).__name__}") from exc
        location = resp.headers.get("Location") if not isinstance(resp, str) else None
        return location

    async def aclose(self) -> None:
        return None
