"""Where the privacy context keeps personal data (LGPD): see :mod:`ecovarejo.core.personal_data`.

A request's kind, status and dates are kept as proof that the controller answered (LGPD art. 37 and
art. 19); what the person wrote and what we answered are emptied on erasure. The audit log names
subjects only by id. The cookie banner's visitor ledger is keyed by a keyed pseudonym of the visitor's
cookie (never an account, never an IP address): no account's erasure can find it, so its rows are kept
as proof of consent for the tenant's period and then deleted by the retention job.
"""

from __future__ import annotations

from ecovarejo.core.personal_data import CONSENT_PROOF, Basis, Category, Erasure, Field, PersonalData, PersonalTable

PROOF = "LGPD arts. 19 and 37 (proof that the request was answered)"
FIVE_YEARS = "5 years after the answer"
VISITOR_CONSENT = (
    "the tenant's period, 1 year from the choice by default (the privacy retention job); then the banner asks again"
)


def _visitor(column: str, category: Category, purpose: str) -> Field:
    """A column of the banner's visitor ledger: the record of a consent (LGPD art. 7 I and art. 8); not exported
    (no account leads to it)."""
    return Field(
        column, category, Basis.CONSENT, VISITOR_CONSENT, Erasure.KEEP, law=CONSENT_PROOF, export=False, purpose=purpose
    )


DECLARATION = PersonalData(
    context="privacy",
    tables=(
        PersonalTable(
            "privacy_requests",
            "user_id",
            (
                Field("kind", Category.BEHAVIOURAL, Basis.LEGAL_OBLIGATION, FIVE_YEARS, Erasure.KEEP, law=PROOF),
                Field("status", Category.BEHAVIOURAL, Basis.LEGAL_OBLIGATION, FIVE_YEARS, Erasure.KEEP, law=PROOF),
                Field("created_at", Category.BEHAVIOURAL, Basis.LEGAL_OBLIGATION, FIVE_YEARS, Erasure.KEEP, law=PROOF),
                Field("answered_at", Category.BEHAVIOURAL, Basis.LEGAL_OBLIGATION, FIVE_YEARS, Erasure.KEEP, law=PROOF),
                Field(
                    "details", Category.IDENTIFICATION, Basis.LEGAL_OBLIGATION, "until erasure", purpose="the request"
                ),
                Field("answer", Category.IDENTIFICATION, Basis.LEGAL_OBLIGATION, "until erasure", Erasure.NULL),
            ),
            description="data subjects' requests (LGPD art. 18)",
        ),
        PersonalTable(
            "privacy_inactivity_notices",
            "user_id",
            (
                Field(
                    "notified_at",
                    Category.BEHAVIOURAL,
                    Basis.LEGITIMATE_INTEREST,
                    "until the person signs in again or the account is erased",
                    purpose="notice before erasing an inactive account",
                ),
            ),
            delete_rows=True,
            description="notices to inactive accounts",
        ),
        PersonalTable(
            "privacy_visitor_consents",
            None,
            (
                _visitor("visitor", Category.BEHAVIOURAL, "whose choice (keyed pseudonym of the visitor cookie)"),
                _visitor("purpose", Category.CONSENT, "what the cookie banner asked (LGPD art. 8)"),
                _visitor("granted", Category.CONSENT, "the visitor's answer (LGPD art. 8)"),
                _visitor("policy_version", Category.CONSENT, "the policy version shown (LGPD art. 8 §4)"),
                _visitor("recorded_at", Category.CONSENT, "when the choice was made (LGPD art. 8 §2)"),
            ),
            retention_days=365,
            description="the cookie banner's choices of visitors not signed in (pseudonymous)",
        ),
    ),
)
