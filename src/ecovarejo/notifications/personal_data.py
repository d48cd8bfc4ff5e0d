"""Where the notification context keeps personal data (LGPD): see :mod:`ecovarejo.core.personal_data`.

On erasure the recipient row is anonymised and kept as a tombstone (``erased``) so nothing more is
sent to the person, the messages' addresses and bodies are deleted, and subscriptions go.
"""

from __future__ import annotations

from ecovarejo.core.personal_data import CONSENT_PROOF, Basis, Category, Erasure, Field, PersonalData, PersonalTable

DIRECTORY = "while the account exists; anonymised on erasure"
MESSAGES = "the tenant's period, 90 days by default (privacy.retention; ECOVAREJO_NOTIFY_RETENTION_DAYS the ceiling)"

DECLARATION = PersonalData(
    context="notifications",
    erase_on_event=False,
    tables=(
        PersonalTable(
            "notification_recipients",
            "user_id",
            (
                Field(
                    "email",
                    Category.CONTACT,
                    Basis.CONTRACT,
                    DIRECTORY,
                    Erasure.NULL,
                    purpose="sending notifications",
                    encrypted=True,
                ),
                Field(
                    "phone",
                    Category.CONTACT,
                    Basis.CONTRACT,
                    DIRECTORY,
                    Erasure.NULL,
                    purpose="SMS, WhatsApp",
                    encrypted=True,
                ),
                Field(
                    "first_name",
                    Category.IDENTIFICATION,
                    Basis.CONTRACT,
                    DIRECTORY,
                    Erasure.NULL,
                    purpose="greeting",
                    encrypted=True,
                ),
                Field("marketing_consent", Category.CONSENT, Basis.CONSENT, DIRECTORY),
                Field(
                    "marketing_consent_version",
                    Category.CONSENT,
                    Basis.LEGAL_OBLIGATION,
                    DIRECTORY,
                    Erasure.KEEP,
                    law=CONSENT_PROOF,
                ),
                Field(
                    "marketing_consent_at",
                    Category.CONSENT,
                    Basis.LEGAL_OBLIGATION,
                    DIRECTORY,
                    Erasure.KEEP,
                    law=CONSENT_PROOF,
                ),
            ),
            description="the address book of notifications",
        ),
        PersonalTable(
            "notification_preferences",
            "user_id",
            (
                Field("channel", Category.CONSENT, Basis.CONSENT, DIRECTORY),
                Field("enabled", Category.CONSENT, Basis.CONSENT, DIRECTORY),
            ),
            delete_rows=True,
            description="channels the customer turned on or off",
        ),
        PersonalTable(
            "notification_push_subscriptions",
            "user_id",
            tuple(
                Field(c, Category.CONTACT, Basis.CONSENT, "until unsubscribed or erasure", export=c == "endpoint")
                for c in ("endpoint", "p256dh", "auth")
            ),
            delete_rows=True,
            description="browser push subscriptions",
        ),
        PersonalTable(
            "notification_stock_subscriptions",
            "user_id",
            (
                Field("product_id", Category.BEHAVIOURAL, Basis.CONSENT, "until notified or erasure"),
                Field("product_name", Category.BEHAVIOURAL, Basis.CONSENT, "until notified or erasure"),
            ),
            delete_rows=True,
            description="back-in-stock alerts",
        ),
        PersonalTable(
            "notification_messages",
            "user_id",
            (
                Field("to_address", Category.CONTACT, Basis.CONTRACT, MESSAGES, purpose="delivery", encrypted=True),
                Field("subject", Category.BEHAVIOURAL, Basis.CONTRACT, MESSAGES, purpose="what we sent"),
                Field("body_text", Category.BEHAVIOURAL, Basis.CONTRACT, MESSAGES, purpose="what we sent"),
                Field(
                    "body_html", Category.BEHAVIOURAL, Basis.CONTRACT, MESSAGES, Erasure.NULL, purpose="what we sent"
                ),
                Field("status", Category.BEHAVIOURAL, Basis.CONTRACT, MESSAGES),
                Field("sent_at", Category.BEHAVIOURAL, Basis.CONTRACT, MESSAGES),
            ),
            delete_rows=True,
            retention_days=90,
            description="messages sent (e-mail, SMS, push)",
        ),
    ),
)
