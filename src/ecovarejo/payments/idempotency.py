"""The HTTP adapter of the kernel's ``Idempotency-Key`` helper (:mod:`ecovarejo.core.idempotency`):
the stored outcome comes back as a JSON response with ``Idempotent-Replayed``."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from ecovarejo.core.http import PROBLEM
from ecovarejo.core.idempotency import (
    RETENTION,
    STALE_AFTER,
    Idempotency,
    Outcome,
    check_key,
    fingerprint,
    purge_expired,
)

__all__ = [
    "REPLAY_HEADER",
    "RETENTION",
    "STALE_AFTER",
    "IdempotencyStore",
    "Outcome",
    "check_key",
    "fingerprint",
    "purge_expired",
]

REPLAY_HEADER = "Idempotent-Replayed"


class IdempotencyStore(Idempotency):
    async def run_http(
        self,
        *,
        tenant_id: uuid.UUID,
        scope: str,
        key: str | None,
        request_hash: str,
        handler: Callable[[], Awaitable[Outcome]],
    ) -> JSONResponse:
        r = await super().run(tenant_id=tenant_id, scope=scope, key=key, request_hash=request_hash, handler=handler)
        if r.replayed:
            return JSONResponse(
                r.body,
                status_code=r.status,
                media_type=PROBLEM if r.status >= 400 else None,
                headers={REPLAY_HEADER: "true"},
            )
        return JSONResponse(r.body, status_code=r.status, headers={**r.headers, REPLAY_HEADER: "false"})

    async def run(self, **kw: Any) -> JSONResponse:  # type: ignore[override]
        """Run ``handler`` at most once per (tenant, scope, key), answering JSON (see the kernel helper)."""
        return await self.run_http(**kw)
