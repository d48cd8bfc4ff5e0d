"""Outbound HTTP that cannot be turned against our own network (SSRF), by construction.

Every request the platform makes to a URL it did not write itself — Web Push endpoints, tenants'
webhooks, carriers, payment providers — goes through :func:`outbound_client` (httpx) or, for aiohttp
users such as pywebpush, a resolver built on :meth:`OutboundPolicy.address`. Both:

1. **resolve** the host name (so ``localhost.``, ``127.0.0.1.nip.io``, ``metadata.google.internal``, the
   decimal ``2130706433`` and octal ``0177.0.0.1`` forms all become the address they really are);
2. **refuse** any address that is not public: loopback, private (RFC 1918, ULA), link-local (cloud
   metadata 169.254.169.254, fe80::/10), multicast, reserved, unspecified, shared (100.64/10), and IPv6
   forms that embed an IPv4 one (``::ffff:127.0.0.1``, 6to4, NAT64) when that one is not public; any
   refused address among several refuses the request;
3. **connect to the address that was checked** (the URL's host is replaced by it; the ``Host`` header and
   TLS SNI/certificate check keep the name), so a second DNS answer cannot rebind the request;
4. allow ``https`` only, except in development/test; and never follow redirects.

Hosts the operator configured (a provider's API base, ``ECOVAREJO_OUTBOUND_ALLOW_HOSTS``) are trusted to
resolve anywhere, e.g. an on-premises SMS gateway; everything else must be public.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from .errors import InvalidInput

Resolver = Callable[[str, int], Awaitable[list[str]]]

#: Names refused whatever they resolve to (cloud metadata services).
BLOCKED_NAMES = frozenset({"metadata.google.internal", "metadata", "instance-data", "metadata.azure.internal"})
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeDestination(InvalidInput):
    """The URL points (or resolves) somewhere the platform must not send requests."""

    code = "unsafe_destination"


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return False
    bad = (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved
           or ip.is_unspecified)  # fmt: skip
    return ip.is_global and not bad


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class OutboundPolicy:
    """Who may be called: public addresses over https (http too when ``allow_http``), plus ``trusted``
    host names (configured by the operator) wherever they resolve."""

    allow_http: bool = False
    trusted: frozenset[str] = frozenset()
    resolve: Resolver = field(default=system_resolve, compare=False)

    @classmethod
    def for_env(cls, env: str, trusted: Iterable[str] = (), **kw: Any) -> OutboundPolicy:
        names = frozenset(h.strip().lower().rstrip(".") for h in trusted if h and h.strip())
        return cls(allow_http=env.startswith(("dev", "test")), trusted=names, **kw)

    def trusting(self, *urls_or_hosts: str | None) -> OutboundPolicy:
        """This policy, also trusting the hosts of these configured URLs (a provider's API base)."""
        hosts = {(urlsplit(u).hostname or u) if "//" in u else u for u in urls_or_hosts if u}
        return OutboundPolicy(self.allow_http, self.trusted | {h.lower().rstrip(".") for h in hosts}, self.resolve)

    async def check(self, url: str) -> tuple[str, int, str]:
        """``(host, port, address to connect to)`` for ``url``, or :class:`UnsafeDestination`."""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not self.allow_http):
            raise UnsafeDestination("outbound requests must use https", code="unsafe_destination")
        if parts.username is not None or parts.password is not None:
            raise UnsafeDestination("credentials in the URL are not allowed")
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            raise UnsafeDestination("the URL has no host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise UnsafeDestination("invalid port") from exc
        return host, port, await self.address(host, port)

    async def address(self, host: str, port: int) -> str:
        """The checked address to connect to for ``host`` (any scheme)."""
        host = host.lower().rstrip(".")
        if host in BLOCKED_NAMES:
            raise UnsafeDestination("metadata services are not reachable")
        try:
            addresses = await self.resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise UnsafeDestination(f"the host {host} does not resolve") from exc
        if not addresses:
            raise UnsafeDestination(f"the host {host} does not resolve")
        if host not in self.trusted:
            for a in addresses:
                if not is_public(ipaddress.ip_address(a.split("%", 1)[0])):
                    raise UnsafeDestination(f"the host {host} is not a public address")
        return addresses[0]


class SafeTransport(httpx.AsyncBaseTransport):
    """Checks every request with the policy and sends it to the checked address (see the module doc)."""

    def __init__(self, policy: OutboundPolicy, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host, _port, address = await self.policy.check(str(request.url))
        request.url = request.url.copy_with(host=address)  # the Host header keeps the name
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": host}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def outbound_client(policy: OutboundPolicy, **kw: Any) -> httpx.AsyncClient:
    """The one factory for outbound HTTP clients (push, tenant webhooks, carriers, providers)."""
    kw.setdefault("timeout", 10.0)
    kw["follow_redirects"] = False
    return httpx.AsyncClient(transport=SafeTransport(policy), **kw)


def policy_of(settings: Any, *trusted_urls: str | None) -> OutboundPolicy:
    """The policy for this deployment: ``ECOVAREJO_ENV`` and ``ECOVAREJO_OUTBOUND_ALLOW_HOSTS``, plus
    the hosts of the given configured URLs."""
    allow = str(getattr(settings, "outbound_allow_hosts", "") or "").split(",")
    return OutboundPolicy.for_env(str(getattr(settings, "env", "production")), allow).trusting(*trusted_urls)
