"""Modules imported on first use: heavy libraries (numpy, scipy, joblib, payment SDKs, Web Push) that
only some requests or jobs need stay out of the process start (``serve`` answers sooner and each API
worker holds less memory until it needs them).

Use it behind ``TYPE_CHECKING`` so that type checkers see the real module::

    if TYPE_CHECKING:
        import numpy as np
    else:
        np = lazy_module("numpy")
"""

from __future__ import annotations

import importlib
import types
from typing import Any


class _LazyModule(types.ModuleType):
    """Stands in for a module until an attribute is read; then imports it and takes over its names."""

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)  # later reads find the names directly
        return getattr(module, attr)


def lazy_module(name: str) -> Any:
    """The module ``name``, imported when one of its attributes is first read."""
    import sys

    loaded = sys.modules.get(name)
    return loaded if loaded is not None else _LazyModule(name)


__all__ = ["lazy_module"]
