"""The logistics context's public surface: what other contexts, GraphQL, web and the CLI may call.

Views are frozen dataclasses; no ORM row crosses this boundary.
"""

from __future__ import annotations

from ecovarejo.core.container import Container

from .addresses import Address, CepNotFound
from .cep import InvalidCep, formatted, normalize, uf_of
from .ports import LogisticsPorts

__all__ = [
    "Address",
    "CepNotFound",
    "InvalidCep",
    "formatted",
    "lookup_cep",
    "normalize_cep",
    "ports_of",
    "state_of_cep",
]


def ports_of(container: Container) -> LogisticsPorts:
    ports = container.ports["logistics"]
    assert isinstance(ports, LogisticsPorts)
    return ports


def normalize_cep(cep: str) -> str:
    """Eight digits, or :class:`InvalidCep` (422 ``invalid_cep``)."""
    return normalize(cep)


def state_of_cep(cep: str) -> str:
    """The UF of a valid CEP from the shipped ranges (no network)."""
    return uf_of(normalize(cep)) or ""


async def lookup_cep(container: Container, cep: str) -> Address:
    """Street, district, city and state of ``cep`` (cached); offline, the state only."""
    return await ports_of(container).addresses.lookup(cep)
