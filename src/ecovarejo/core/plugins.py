"""How a context plugs into the platform: one ``plugin.py`` per context package exposing ``CONTEXT``
(a :class:`ContextSpec`, defined beside the container that runs it)."""

from __future__ import annotations

from .container import ContextSpec

__all__ = ["ContextSpec"]
