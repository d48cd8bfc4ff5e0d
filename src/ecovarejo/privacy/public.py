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
from datetime import datetime
from typing import Any

from ecovarejo.core.container import Container
from ecovarejo.core.uow import UnitOfWork

from . import audit as _audit
from . import cookies as _cookies
from . import retention as _retention
from .audit import AuditRecord, ChainReport
from .policy import DEFAULT_VERSION as POLICY_VERSION
from .policy import Document, DpoContact, Processing, document, dpo_contact, processing
from .ports import DataSubjects, NotificationBodies
from .registry import Registry, fields_markdown

__all__ = [
    "COOKIE_PURPOSES",
    "POLICY_VERSION",
    "AuditRecord",
    "ChainReport",
    "DataSubjects",
    "Document",
    "DpoContact",
    "NotificationBodies",
    "Processing",
    "Registry",
    "audit",
    "cart_ttl_seconds",
    "current_policy_version",
    "document",
    "dpo_contact",
    "fields_markdown",
    "processing",
    "recent_audit",
    "record_visitor_choice",
    "registry",
    "tenant_policy_settings",
    "verify_audit_chain",
    "visitor_choices",
    "visitor_has_consent",
]

#: The cookie banner's purposes (``marketing_cookies`` is not an account's e-mail marketing consent).
COOKIE_PURPOSES = _cookies.PURPOSES


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


async def current_policy_version(uow: UnitOfWork) -> str:
    """The version of the tenant's privacy policy in force (its own text's, else the built-in one's)."""
    return document(await tenant_policy_settings(uow), "privacy", "pt-BR").version


async def record_visitor_choice(
    uow: UnitOfWork, visitor: str, choices: dict[str, bool], *, policy_version: str, channel: str = "cookie_banner"
) -> None:
    """Record a not-signed-in visitor's cookie-banner choice under their pseudonymous id."""
    await _cookies.record_visitor_choice(uow, visitor, choices, policy_version=policy_version, channel=channel)


async def visitor_choices(uow: UnitOfWork, visitor: str) -> dict[str, bool]:
    return await _cookies.visitor_choices(uow, visitor)


async def visitor_has_consent(uow: UnitOfWork, visitor: str, purpose: str, *, at: datetime | None = None) -> bool:
    """The visitor's latest answer for ``purpose`` (as it stood at ``at`` when given); no entry is no consent."""
    return await _cookies.visitor_has_consent(uow, visitor, purpose, at=at)


async def cart_ttl_seconds(container: Container, tenant_id: uuid.UUID) -> int:
    """How long an untouched cart lives for the tenant (its retention period for carts; 24 h by default)."""
    return await _retention.cart_ttl_seconds(container, tenant_id)
