"""Issue #12: no header size limit or header read timeout — a 1 MiB header was served, a slow-header
connection stayed open > 75 s. A real uvicorn server with the options ``ecovarejo serve`` uses."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import uvicorn

from ecovarejo.core.serving import server_options


async def hello(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def server() -> Iterator[int]:
    settings = SimpleNamespace(server_max_header_bytes=32 * 1024, server_header_timeout=0.5,
                               server_max_concurrency=100, forwarded_allow_ips="127.0.0.1")  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(hello, host="127.0.0.1", port=port, log_level="error", lifespan="off",
                            **server_options(settings))  # fmt: skip
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        threading.Event().wait(0.02)
    yield port
    srv.should_exit = True
    thread.join(5)


async def _exchange(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    out = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    return out


async def test_normal_requests_are_served(server: int) -> None:
    out = await _exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200")


async def test_a_one_mib_header_is_refused(server: int) -> None:
    big = b"X-Big: " + b"a" * (1024 * 1024) + b"\r\n"
    try:
        out = await _exchange(server, b"GET / HTTP/1.1\r\nHost: x\r\n" + big + b"Connection: close\r\n\r\n")
    except ConnectionResetError:
        out = b""
    assert not out.startswith(b"HTTP/1.1 200")


async def test_a_slow_header_connection_is_closed(server: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")  # ...and never the rest
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), timeout=10) == b""  # the server hung up
    writer.close()


def test_options_for_several_workers_can_be_pickled() -> None:
    """``serve --workers N`` pickles the options to spawn its workers: the protocol is named, not made."""
    import pickle

    from uvicorn.importer import import_from_string

    from ecovarejo.core.serving import SettingsH11Protocol

    settings = SimpleNamespace(server_max_header_bytes=32 * 1024, server_header_timeout=0.5,
                               server_max_concurrency=100, forwarded_allow_ips="127.0.0.1")  # fmt: skip
    options = pickle.loads(pickle.dumps(server_options(settings, workers=2)))
    assert import_from_string(options["http"]) is SettingsH11Protocol
