"""Calls into the other contexts' public ``service`` modules, tolerant of which contexts are installed.

Each context lands on its own schedule, so the pages look a use case up by its service function name
(a few accepted spellings) and pass only the keyword arguments that function declares. Results are
converted to plain dicts (:func:`ecovarejo.web.shapes.plain`).
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from ecovarejo.core.errors import DomainError

from .pages import service
from .shapes import plain


class Unavailable(DomainError):
    status = 503
    code = "feature_unavailable"
    title = "Not available yet"


def find(context: str, names: Sequence[str]) -> Any | None:
    mod = service(context)
    if mod is None:
        return None
    for name in names:
        fn = getattr(mod, name, None)
        if callable(fn):
            return fn
    return None


def has(context: str, *names: str) -> bool:
    return find(context, names) is not None


def _accepts(fn: Any, nargs: int, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments ``fn`` declares, minus those its first ``nargs`` positional ones already bind."""
    params = list(inspect.signature(fn).parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    bound = {p.name for p in positional[:nargs]}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return {k: v for k, v in kwargs.items() if k not in bound}
    names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return {k: v for k, v in kwargs.items() if k in names and k not in bound}


async def call(context: str, names: Sequence[str], *args: Any, raw: bool = False, **kwargs: Any) -> Any:
    fn = find(context, names)
    if fn is None:
        raise Unavailable(f"{context}: {names[0]} is not available")
    result = fn(*args, **_accepts(fn, len(args), kwargs))
    if inspect.isawaitable(result):
        result = await result
    return result if raw else plain(result)


async def try_call(context: str, names: Sequence[str], *args: Any, default: Any = None, **kwargs: Any) -> Any:
    """Like :func:`call`, but a missing feature gives ``default`` (for optional parts of a page)."""
    if find(context, names) is None:
        return default
    return await call(context, names, *args, **kwargs)
