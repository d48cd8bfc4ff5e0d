"""The 90-day key rotation of personal data encrypted at rest (LGPD art. 46), as a platform job.

Daily: when the current data key is older than ``ECOVAREJO_KEY_ROTATION_DAYS`` (90), a new one becomes
current; rows under older keys (or written before encryption) are re-encrypted in batches, each its own
transaction, so the service keeps running and a stopped run resumes; keys are re-wrapped under the
current key-encryption key; an old key is retired (its material erased) once no row uses it. The
mechanics are in :mod:`ecovarejo.core.crypto`.
"""

from __future__ import annotations

from datetime import timedelta

import structlog

from ecovarejo.core import keyrotation
from ecovarejo.core.container import Container

log = structlog.get_logger("ecovarejo.privacy.keys")


async def rotate(
    container: Container,
    *,
    force_new_key: bool = False,
    batch: int = 500,
    max_batches: int | None = None,
    retire_grace: timedelta | None = None,
) -> keyrotation.RotationReport:
    report = await keyrotation.rotate(
        container.db,
        now=container.now(),
        every_days=container.settings.key_rotation_days,
        force_new_key=force_new_key,
        batch=batch,
        max_batches=max_batches,
        retire_grace=retire_grace,
    )
    log.info(
        "keys.rotation",
        current=report.current,
        new_key=report.new_key,
        rewrapped=report.rewrapped,
        reencrypted=report.reencrypted,
        remaining=report.remaining,
        retired=report.retired,
    )
    return report


async def rotation_job(container: Container) -> None:
    await rotate(container)


async def status(container: Container) -> list[dict[str, object]]:
    async with container.db.engine.connect() as conn:
        return await conn.run_sync(keyrotation.status_sync)
