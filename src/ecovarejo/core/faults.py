"""Fault points: named places in a multi-step operation (the checkout saga) where a test can make the
process "die" and then prove that recovery converges.

Production code calls ``await fault("checkout.authorized")`` between its steps; nothing happens unless a
test installed a hook. A hook that raises :class:`ProcessCrash` stands for ``kill -9`` at that point:
code that compensates on failure (``except BaseException``) must let it through untouched, because a
killed process compensates nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable


class ProcessCrash(BaseException):
    """The process died here (tests only). Never caught: no compensation, no cleanup runs."""


FaultHook = Callable[[str], Awaitable[None]]

_hook: FaultHook | None = None


def install(hook: FaultHook | None) -> None:
    """Install (or with ``None`` remove) the process-wide fault hook."""
    global _hook
    _hook = hook


async def fault(point: str) -> None:
    if _hook is not None:
        await _hook(point)
