"""The privacy context's public surface: what other contexts, GraphQL, web and the CLI may call."""

from __future__ import annotations

from ecovarejo.core.container import Container

from .registry import PORT, Registry, fields_markdown

__all__ = ["Registry", "fields_markdown", "registry"]


def registry(container: Container) -> Registry:
    """Every context's personal-data declaration (installed by the composition root)."""
    reg = container.ports.get(PORT)
    if isinstance(reg, Registry):
        return reg
    declared = reg if isinstance(reg, tuple) else ()
    return Registry(declared)
