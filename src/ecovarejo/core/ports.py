"""The typed port registry of the running platform.

A context that needs something built for the run mode (a payment gateway, a media store, a cache...)
declares its type — a ``Protocol`` or a class — in its own package and asks for it by that type::

    gateway = container.ports.get(PaymentGateway)      # typed as PaymentGateway

The context's ``plugin.install`` (or a test) provides it::

    container.ports.provide(PaymentGateway, SandboxGateway())

There are no string keys: the type is the key, so mypy knows what each lookup returns, and a reader
finds every provider and user of a port with "find references".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar, cast

T = TypeVar("T")


class MissingPort(LookupError):
    """A port nobody provided: the context that owns it was not installed (a wiring bug)."""


class Ports:
    def __init__(self) -> None:
        self._by_type: dict[type, object] = {}

    def provide(self, key: type[T], impl: T) -> T:
        """Install (or replace) the implementation of ``key``."""
        self._by_type[key] = impl
        return impl

    def provide_default(self, key: type[T], impl: T) -> T:
        """Install ``impl`` unless one was provided already (a test's fake set before ``install`` wins)."""
        if key not in self._by_type:
            self._by_type[key] = impl
        return cast(T, self._by_type[key])

    def get(self, key: type[T]) -> T:
        try:
            return cast(T, self._by_type[key])
        except KeyError:
            raise MissingPort(f"no implementation of {key.__module__}.{key.__qualname__} was provided") from None

    def find(self, key: type[T]) -> T | None:
        """The implementation of ``key``, or ``None`` for an optional port."""
        return cast("T | None", self._by_type.get(key))

    def __contains__(self, key: type) -> bool:
        return key in self._by_type

    def values(self) -> Iterator[object]:
        return iter(list(self._by_type.values()))
