"""The privacy context's tables: the hash-chained audit log and its per-tenant head."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ecovarejo.core.db import Base, TenantOwned, new_id, utcnow


class AuditEntry(Base, TenantOwned):
    """One append-only entry: ``hash`` = SHA-256 over the previous entry's hash and this entry's content.

    On PostgreSQL the application role may only insert and read (no UPDATE or DELETE): an edit needs
    the owner's credentials, and then the chain verification shows where it happened.
    """

    __tablename__ = "privacy_audit_log"
    __table_args__ = (
        UniqueConstraint("tenant_id", "seq", name="uq_privacy_audit_log_tenant_seq"),
        Index("ix_privacy_audit_log_subject", "tenant_id", "subject_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: ``user:<id>``, ``cli``, ``job:<name>``, ``consumer:<name>``.
    actor: Mapped[str] = mapped_column(String(120))
    #: ``personal_data.read``, ``export``, ``erasure``, ``consent.changed``, ``collection``, ``retention.run``...
    action: Mapped[str] = mapped_column(String(60))
    #: The data subject (a user id; never an e-mail).
    subject_id: Mapped[uuid.UUID | None] = mapped_column()
    purpose: Mapped[str] = mapped_column(String(200), default="")
    consent_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base, TenantOwned):
    """The last entry of a tenant's chain; locked while appending so entries never fork."""

    __tablename__ = "privacy_audit_heads"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_privacy_audit_heads_tenant_id"),)


class SubjectRequest(Base, TenantOwned):
    """A data subject's request (LGPD art. 18), answered within 15 days (art. 19 II)."""

    __tablename__ = "privacy_requests"
    __table_args__ = (Index("ix_privacy_requests_status_due", "tenant_id", "status", "due_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(index=True)
    #: access | portability | correction | erasure | consent_revocation | sharing_info
    kind: Mapped[str] = mapped_column(String(30))
    #: received | identity_verified | answered | rejected
    status: Mapped[str] = mapped_column(String(20), default="received")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column()
    identity_verified_at: Mapped[datetime | None] = mapped_column()
    identity_method: Mapped[str | None] = mapped_column(String(30))
    answered_at: Mapped[datetime | None] = mapped_column()
    answer: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[str | None] = mapped_column(String(120))
    #: Portability: the single-use download link (hash only), its expiry and use.
    export_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    export_expires_at: Mapped[datetime | None] = mapped_column()
    export_used_at: Mapped[datetime | None] = mapped_column()


class Incident(Base, TenantOwned):
    """A security incident involving personal data (LGPD art. 48), for the DPO to notify the ANPD and the people."""

    __tablename__ = "privacy_incidents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime | None] = mapped_column()
    detected_at: Mapped[datetime] = mapped_column()
    #: Categories of personal data affected (identification, contact, financial...).
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    affected_subjects: Mapped[int] = mapped_column(BigInteger, default=0)
    #: low | medium | high (relevant risk or damage triggers the notifications of art. 48).
    risk: Mapped[str] = mapped_column(String(10), default="medium")
    measures: Mapped[str] = mapped_column(Text, default="")
    anpd_notified_at: Mapped[datetime | None] = mapped_column()
    subjects_notified_at: Mapped[datetime | None] = mapped_column()
    #: open | closed
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InactivityNotice(Base, TenantOwned):
    """An inactive account was told (by e-mail) that it will be erased after the grace period unless its
    owner signs in (the retention job, LGPD art. 15 I and 16). Removed when the person comes back or once
    the account is erased."""

    __tablename__ = "privacy_inactivity_notices"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", name="uq_privacy_inactivity_notices_user"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column()
    notified_at: Mapped[datetime] = mapped_column()


class VisitorConsent(Base, TenantOwned):
    """The cookie banner's choice of a visitor who is not signed in: the consent ledger's anonymous side,
    under the pseudonymous visitor id the analytics context uses (never an IP address). Append-only; the
    latest entry per (visitor, purpose) is the visitor's answer. A signed-in customer's choice goes to the
    users context's ledger under the account instead."""

    __tablename__ = "privacy_visitor_consents"
    __table_args__ = (Index("ix_privacy_visitor_consents_visitor", "tenant_id", "visitor", "purpose"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    #: ``analytics.public.visitor_pseudonym`` of the ``ev_vid`` cookie (a keyed hash, 32 hex digits).
    visitor: Mapped[str] = mapped_column(String(64))
    #: analytics | marketing_cookies
    purpose: Mapped[str] = mapped_column(String(50))
    granted: Mapped[bool] = mapped_column(Boolean)
    #: The tenant's privacy-policy version shown when the choice was made.
    policy_version: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(30))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
