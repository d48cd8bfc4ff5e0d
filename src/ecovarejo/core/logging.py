"""Structured logs (structlog): JSON lines with request id, tenant, route, status and latency."""

from __future__ import annotations

import logging
import sys

import structlog


class _StderrLogger:
    """Writes each line to the *current* ``sys.stderr`` (so redirection and test capture see it)."""

    def msg(self, message: str) -> None:
        sys.stderr.write(message + "\n")

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


def _logger_factory(*_args: object) -> _StderrLogger:
    return _StderrLogger()


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=_logger_factory,
        cache_logger_on_first_use=False,  # reconfigurable at run time (tests, level changes)
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(message)s")
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
