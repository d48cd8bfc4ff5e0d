"""Turn what another context's service returns (Pydantic models, dataclasses, dicts) into plain dicts
for the templates, so a page never touches another context's ORM objects."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any


def plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | Decimal | datetime | date | uuid.UUID):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return plain(dump())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if hasattr(value, "__table__"):
        return {c.key: plain(getattr(value, c.key)) for c in value.__table__.columns if hasattr(value, c.key)}
    if hasattr(value, "__dict__"):
        return {k: plain(v) for k, v in vars(value).items() if not k.startswith("_")}
    return value
