"""Model artifacts and the serving cache.

Artifacts are joblib files under ``DATA_DIR/ml/<tenant>/<name>-v<version>.joblib`` (the registry
table says which version is promoted). Every API process keeps the promoted model of each
(tenant, name) in memory and re-checks which version is promoted at most every ``ttl`` seconds, so a
request never waits on the database or the disk for a model it has already loaded. With Redis
configured, the promoted version and the artifact's bytes are shared there too: a process on another
machine loads a new model without a shared disk.
"""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from ecovarejo.core.lazy import lazy_module

if TYPE_CHECKING:
    import joblib
else:
    joblib = lazy_module("joblib")


log = structlog.get_logger("ecovarejo.ml.registry")

#: Looks up the promoted (version, artifact path) of (tenant, name) in the registry table.
PromotedLookup = Callable[[uuid.UUID, str], Awaitable[tuple[int, str] | None]]


def artifact_path(data_dir: Path, tenant_id: uuid.UUID, name: str, version: int) -> Path:
    return data_dir / "ml" / str(tenant_id) / f"{name}-v{version}.joblib"


def dumps(obj: object) -> bytes:
    buf = io.BytesIO()
    joblib.dump(obj, buf, compress=3)
    return buf.getvalue()


def loads(data: bytes) -> Any:
    return joblib.load(io.BytesIO(data))


@dataclass
class _Entry:
    version: int
    model: Any
    checked: float


class ModelStore:
    """Writes artifacts, and serves the promoted ones from memory (with Redis as a shared tier)."""

    def __init__(self, data_dir: Path, lookup: PromotedLookup, *, redis: Any = None, ttl: float = 30.0) -> None:
        self.data_dir = data_dir
        self.lookup = lookup
        self.redis = redis
        self.ttl = ttl
        self._entries: dict[tuple[uuid.UUID, str], _Entry | None] = {}
        self._checked_none: dict[tuple[uuid.UUID, str], float] = {}
        self._locks: dict[tuple[uuid.UUID, str], asyncio.Lock] = {}

    # ----------------------------------------------------------------- writing

    async def save(self, tenant_id: uuid.UUID, name: str, version: int, model: object) -> str:
        data = await asyncio.to_thread(dumps, model)
        path = artifact_path(self.data_dir, tenant_id, name, version)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)

        await asyncio.to_thread(write)
        if self.redis is not None:
            try:
                await self.redis.set(self._artifact_key(tenant_id, name, version), data, ex=7 * 86400)
            except Exception as exc:  # Redis is a cache: the file is the source of truth
                log.warning("ml_redis_unavailable", error=str(exc))
        return str(path.relative_to(self.data_dir))

    def promoted(self, tenant_id: uuid.UUID, name: str, version: int, model: object) -> None:
        """This process just promoted ``model``: serve it now (the others see it within ``ttl``)."""
        self._entries[(tenant_id, name)] = _Entry(version, model, time.monotonic())
        self._checked_none.pop((tenant_id, name), None)

    # ----------------------------------------------------------------- serving

    def cached(self, tenant_id: uuid.UUID, name: str) -> Any:
        """The model in memory, fresh or not (no IO): the hot path."""
        entry = self._entries.get((tenant_id, name))
        return entry.model if entry else None

    async def get(self, tenant_id: uuid.UUID, name: str) -> Any:
        """The promoted model, or ``None`` (never raises: callers fall back)."""
        key = (tenant_id, name)
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry.checked < self.ttl:
            return entry.model
        if entry is None and now - self._checked_none.get(key, -1e9) < self.ttl:
            return None
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            entry = self._entries.get(key)
            if entry is not None and time.monotonic() - entry.checked < self.ttl:
                return entry.model
            try:
                return await self._refresh(tenant_id, name, entry)
            except Exception as exc:
                log.warning("ml_model_unavailable", tenant_id=str(tenant_id), model=name, error=str(exc))
                if entry is not None:
                    entry.checked = time.monotonic()
                    return entry.model
                self._checked_none[key] = time.monotonic()
                return None

    async def _refresh(self, tenant_id: uuid.UUID, name: str, entry: _Entry | None) -> Any:
        key = (tenant_id, name)
        found = await self.lookup(tenant_id, name)
        if found is None:
            self._entries.pop(key, None)
            self._checked_none[key] = time.monotonic()
            return None
        version, path = found
        if entry is not None and entry.version == version:
            entry.checked = time.monotonic()
            return entry.model
        model = await self._load(tenant_id, name, version, path)
        self._entries[key] = _Entry(version, model, time.monotonic())
        return model

    async def _load(self, tenant_id: uuid.UUID, name: str, version: int, path: str) -> Any:
        if self.redis is not None:
            try:
                data = await self.redis.get(self._artifact_key(tenant_id, name, version))
                if data:
                    return await asyncio.to_thread(loads, data)
            except Exception as exc:
                log.warning("ml_redis_unavailable", error=str(exc))
        file = self.data_dir / path
        return await asyncio.to_thread(joblib.load, file)

    def forget(self) -> None:
        self._entries.clear()
        self._checked_none.clear()

    @staticmethod
    def _artifact_key(tenant_id: uuid.UUID, name: str, version: int) -> str:
        return f"ecovarejo:ml:artifact:{tenant_id}:{name}:{version}"
