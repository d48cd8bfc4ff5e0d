"""Direct calls into other contexts' public ``service`` modules (the few reads the HTTP APIs do not
offer), tolerant of a context that is not installed in this deployment."""

from __future__ import annotations

import inspect
from typing import Any

from ecovarejo.core.errors import DomainError

from .pages import service
from .shapes import plain


class Unavailable(DomainError):
    status = 503
    code = "feature_unavailable"
    title = "Not available yet"


def has(context: str, name: str) -> bool:
    mod = service(context)
    return mod is not None and callable(getattr(mod, name, None))


async def call(context: str, name: str, *args: Any, **kwargs: Any) -> Any:
    """``ecovarejo.<context>.service.<name>(*args, **kwargs)``, its result as plain data."""
    mod = service(context)
    fn = getattr(mod, name, None) if mod is not None else None
    if fn is None:
        raise Unavailable(f"{context}.{name} is not available")
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return plain(result)
