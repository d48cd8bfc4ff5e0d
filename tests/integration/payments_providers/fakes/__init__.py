"""Local stand-ins for the providers' clouds: small Starlette apps speaking the part of each provider's
HTTP API our adapters use, served by uvicorn on a free localhost port in a background thread."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """Run ``app`` until the block ends; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.01)
    else:
        raise RuntimeError("fake provider did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


class Behaviour:
    """Knobs a test turns: answer 5xx a number of times, or charge and then stay silent for a while."""

    def __init__(self) -> None:
        self.fail_next = 0
        self.delay_after_charge = 0.0
        self.delay_before_charge = 0.0
        self.requests: list[dict[str, object]] = []

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]
