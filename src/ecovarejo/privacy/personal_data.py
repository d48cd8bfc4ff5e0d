"""Where the privacy context keeps personal data (LGPD): see :mod:`ecovarejo.core.personal_data`.

A request's kind, status and dates are kept as proof that the controller answered (LGPD art. 37 and
art. 19); what the person wrote and what we answered are emptied on erasure. The audit log names
subjects only by id.
"""

from __future__ import annotations

from ecovarejo.core.personal_data import Basis, Category, Erasure, Field, PersonalData, PersonalTable

PROOF = "LGPD arts. 19 and 37 (proof that the request was answered)"
FIVE_YEARS = "5 years after the answer"

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
    ),
)
