"""The privacy context's public surface: what other contexts, GraphQL, web and the CLI may call.

- :func:`audit` — append an entry to the tenant's hash-chained audit log, in the caller's transaction
  (staff reads of a customer, exports, erasures, consent changes, collection with purpose and consent id).
- :func:`verify_audit_chain` — recompute the tenant's chain.
- :func:`registry` — every context's personal-data declaration.
- :func:`document` / :func:`dpo_contact` / :func:`processing` — the privacy policy and terms (a tenant's own
  text or the built-in one, with its version), the DPO's contact (art. 41), the policy's table.
"""

from __future__ import annotations

import uuid
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.uow import UnitOfWork

from . import audit as _audit
from .audit import AuditRecord, ChainReport
from .policy import DEFAULT_VERSION as POLICY_VERSION
from .policy import Document, DpoContact, Processing, document, dpo_contact, processing
from .ports import DataSubjects
from .registry import Registry, fields_markdown

__all__ = [
    "POLICY_VERSION",
    "AuditRecord",
    "ChainReport",
    "DataSubjects",
    "Document",
    "DpoContact",
    "Processing",
    "Registry",
    "audit",
    "document",
    "dpo_contact",
    "fields_markdown",
    "processing",
    "recent_audit",
    "registry",
    "tenant_policy_settings",
    "verify_audit_chain",
]


def registry(container: Container) -> Registry:
    """Every context's personal-data declaration (the composition root hands them in)."""
    return container.ports.get(Registry)


async def audit(
    uow: UnitOfWork,
    action: str,
    *,
    actor: str | None = None,
    subject_id: uuid.UUID | None = None,
    purpose: str = "",
    consent_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Record who did what to whose personal data, and why. ``details`` carry ids, never e-mails or names."""
    return await _audit.record(
        uow, action, actor=actor, subject_id=subject_id, purpose=purpose, consent_id=consent_id, details=details
    )


async def verify_audit_chain(uow: UnitOfWork) -> ChainReport:
    return await _audit.verify(uow)


async def recent_audit(uow: UnitOfWork, *, subject_id: uuid.UUID | None = None, limit: int = 50) -> list[AuditRecord]:
    return await _audit.recent(uow, subject_id=subject_id, limit=limit)


async def tenant_policy_settings(uow: UnitOfWork) -> dict[str, Any]:
    """The unit of work's tenant settings (its own policy and terms texts, its DPO), for :func:`document`."""
    from . import repository

    assert uow.tenant_id is not None
    return await repository.tenant_settings(uow, uow.tenant_id)
