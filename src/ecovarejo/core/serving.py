"""How the HTTP server (uvicorn) is run: limits and timeouts against slow or oversized requests.

| limit | value | why |
|---|---|---|
| protocol | h11 (pure Python) | httptools has no limit on header size |
| request line + headers | 32 KiB (``ECOVAREJO_SERVER_MAX_HEADER_BYTES``) | a 1 MiB header is refused with 400 |
| headers must arrive within | 10 s (``ECOVAREJO_SERVER_HEADER_TIMEOUT``) | slow-header connections closed |
| idle keep-alive | 5 s | |
| connections + requests at once | 2000 (``ECOVAREJO_SERVER_MAX_CONCURRENCY``) | beyond: 503, not an exhausted process |
| trusted proxies | ``ECOVAREJO_FORWARDED_ALLOW_IPS`` (127.0.0.1) | only they may set the client IP and https scheme |

Bodies are limited by the gateway (413, ``gateway.yml``).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for the request line and headers (uvicorn has none: a
    client sending one header byte at a time kept its connection for as long as it liked)."""

    header_timeout: float = 10.0
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm()  # the request line and headers are in

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets the same deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
            self.transport.close()


class SettingsH11Protocol(GuardedH11Protocol):
    """The guarded protocol with the deadline of the process's settings, named by an import string for
    ``serve --workers N``: uvicorn pickles its options to spawn the workers, and a class made at run time
    cannot be pickled."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = _settings_header_timeout()


@functools.cache
def _settings_header_timeout() -> float:
    from .settings import get_settings

    return float(get_settings().server_header_timeout)


def server_options(settings: Any, workers: int = 1) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run``/``uvicorn.Config`` (see the table above)."""
    protocol: Any = type("Protocol", (GuardedH11Protocol,), {"header_timeout": float(settings.server_header_timeout)})
    if workers > 1:
        protocol = f"{__name__}:SettingsH11Protocol"
    return {
        "http": protocol,
        "h11_max_incomplete_event_size": int(settings.server_max_header_bytes),
        "timeout_keep_alive": 5,
        "limit_concurrency": int(settings.server_max_concurrency),
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "server_header": False,
    }
