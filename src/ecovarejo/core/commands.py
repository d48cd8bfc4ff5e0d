"""What a context's own commands (``ecovarejo users ...``, ``ecovarejo privacy ...``) need from the
composition root.

``ecovarejo.bootstrap`` sits above every context (it imports them all), so a context's ``cli.py``
cannot import it. ``ecovarejo.cli`` hands the root's builders in here when it loads; a context's
command asks for :func:`command_container` or :func:`personal_data`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .container import Container
    from .personal_data import PersonalData
    from .settings import Settings


@dataclass(frozen=True)
class Root:
    #: A container for a one-off command: every context installed, no relay, no consumers.
    build_container: Callable[[Settings], Container]
    #: Every context's personal-data declaration, the kernel's first.
    personal_data: Callable[[], tuple[PersonalData, ...]]


_root: list[Root] = []


def use_root(root: Root) -> None:
    """Called once by the ``ecovarejo`` command (the composition root's side)."""
    _root[:] = [root]


def _the_root() -> Root:
    if not _root:
        raise RuntimeError("context commands run under the `ecovarejo` command (ecovarejo.cli wires the root)")
    return _root[0]


def command_container(settings: Settings | None = None) -> Container:
    from .settings import get_settings

    return _the_root().build_container(settings or get_settings())


def personal_data() -> tuple[PersonalData, ...]:
    return _the_root().personal_data()
